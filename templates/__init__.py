"""Form, letter and envelope layouts as data.

A new programme's form is a new YAML file here, validated by `schema.py`; the print room
renders these objects and the scan check reads forms back against the same objects.
"""
