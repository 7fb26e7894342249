"""The exchange (データ授受): what crosses between a municipality and the secretariat.

Target lists come in, checked row by row; status, return, undeliverable and decline lists and
the payment files go back. Files travel through an SFTP drop (`drop/`) or the liaison's web
pages; both run the same services.
"""
