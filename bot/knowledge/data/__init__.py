"""Data files of the knowledge base (a package only so that packaging includes the YAML)."""
