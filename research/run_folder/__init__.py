"""One home for run folders (``results/<name>/<stamp>/``).

``layout``: every file name, the typed manifest, what each kind of run writes;
``create``: a new folder made atomically, its manifest, the runner's context;
``write``: the writers; ``read``: checked readers of each file; ``load``: a whole folder as data.
A report is a function of the folder alone: everything it needs (the codebook included) is saved.
"""
