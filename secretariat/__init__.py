"""secretariat: the operations suite of an outsourced benefit secretariat (給付金事務局).

Kept free of imports on purpose: importing the shared core (`secretariat.core`) must never
drag in the domain packages or the composition root (`secretariat.app`, `.cli`, `.demo`).
"""
