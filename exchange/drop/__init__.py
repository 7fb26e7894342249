"""The SFTP drop (データ授受用SFTP): one jailed account per municipality, public keys only."""
