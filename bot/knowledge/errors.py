"""The one error the knowledge base raises for bad data files."""


class KnowledgeDataError(ValueError):
    """A knowledge-base data file is malformed; the message names the file and the entry."""
