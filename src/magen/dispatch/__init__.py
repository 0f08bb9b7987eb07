"""Dispatch recommendations: who should go where, by priority and travel time.

`assign` holds the engine (an exact maximum-saving matching over street travel times),
`travel` the graphs and searches it uses, `tasks` turns incidents and threat tracks into
tasks with needs. Pure: no I/O, no clock, no randomness.
"""
