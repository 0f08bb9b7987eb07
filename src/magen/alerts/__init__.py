"""Official alerts as CAP 1.2: export, feed, validation and hardened import."""
