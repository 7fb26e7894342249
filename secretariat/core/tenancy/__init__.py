"""Municipalities: the tenants. Every person's record belongs to exactly one."""
