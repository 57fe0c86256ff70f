"""The hostile-input suite: attacks tried against Aviso, one test module per area.

Nothing here runs in production; the package exists so its tests sit in one
folder a newcomer can read as a list of what an attacker (or a bad day) tries.
"""
