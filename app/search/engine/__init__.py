"""The search engine's public face: search, index_documents, remove_documents, rebuild, check, status.

Whoosh is behind it today. The rest of the app calls only these; the modules of this package are
the only code that imports whoosh. Writes (index_documents, remove_documents, rebuild, check with
fix) belong to index jobs and the command line; web processes only search and ask the status.
"""

from app.search.engine.analysis import load as warm_up
from app.search.engine.checking import IndexCheck, check
from app.search.engine.generations import IndexMissing
from app.search.engine.searching import SORTS, SearchResult, search
from app.search.engine.store import IndexCorrupt, status
from app.search.engine.writing import RebuildSummary, index_documents, rebuild, remove_documents

__all__ = ["SORTS", "IndexCheck", "IndexCorrupt", "IndexMissing", "RebuildSummary", "SearchResult", "check",
           "index_documents", "rebuild", "remove_documents", "search", "status", "warm_up"]
