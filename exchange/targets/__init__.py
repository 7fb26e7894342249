"""Target-list import (対象者一覧の取込): decode, map, validate, then load in one transaction."""
