"""People: triage, identity matching between missing, casualties and survivors, PFIF."""
