"""The shared core: the floor every domain package stands on.

It holds the store, tenancy, programmes, households, applications and their states, staff
authentication and the audit trail. It imports no domain package (`mailroom`, `callcenter`,
`exchange`); they import it.
"""
