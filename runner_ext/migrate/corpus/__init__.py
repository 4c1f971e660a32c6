"""Running the migration over a corpus of real CI files and summing up what it did.

``run_corpus(folder)`` runs ``migrate-project``'s local core (dry run, ``--strategy auto``) on
every project folder of a corpus, each on a private copy, and returns one
:class:`ProjectOutcome` per project; :func:`corpus_table` sums them up. The test suite pins
the outcomes of ``tests/corpus`` and ``bench/corpus.py`` prints the table.
"""

from runner_ext.migrate.corpus.classify import image_jobs
from runner_ext.migrate.corpus.provenance import (
    load_index,
    load_selections,
    provenance_markdown,
    provenance_problems,
)
from runner_ext.migrate.corpus.reasons import reason_code
from runner_ext.migrate.corpus.run import (
    ProjectOutcome,
    corpus_projects,
    corpus_table,
    golden_summary,
    run_corpus,
    run_project,
)

__all__ = ["ProjectOutcome", "corpus_projects", "corpus_table", "golden_summary",
           "image_jobs", "load_index", "load_selections", "provenance_markdown",
           "provenance_problems", "reason_code", "run_corpus", "run_project"]
