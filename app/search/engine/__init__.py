"""The search engine's public face: search, index_documents, remove_documents, rebuild, check, status.

Whoosh is behind it today. The rest of the app calls only these; the modules of this package are
the only code that imports whoosh. Writes (index_documents, remove_documents, rebuild, check with
fix) belong to index jobs and the command line; web processes only search and ask the status.

Inside: analysis and synonyms (words, in any language), tokens and schema (Whoosh's fields),
generations and store (the folders, opening, the blocking writer), writing and checking (index
jobs' writes, the diff with the database), searchers, parsing, filters, postings, evaluation,
ordering, highlights, suggestions, and searching (one search, start to end).
"""

from app.search.engine.analysis import load as warm_up
from app.search.engine.checking import IndexCheck, check
from app.search.engine.generations import IndexMissing
from app.search.engine.searching import SearchResult, search
from app.search.engine.store import IndexCorrupt, status
from app.search.engine.writing import RebuildSummary, index_documents, rebuild, remove_documents

__all__ = ["IndexCheck", "IndexCorrupt", "IndexMissing", "RebuildSummary", "SearchResult", "check",
           "index_documents", "rebuild", "remove_documents", "search", "status", "warm_up"]
