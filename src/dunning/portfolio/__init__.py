"""Debtors, contacts, accounts and payments: importing, DPD and buckets, the debtor frame.

Public API (see ``docs.md``): ``service.import_file``, ``repository.load_debtor_frame``,
``dpd.bucket_of`` / ``dpd.bucket_expr``, ``sample.generate`` / ``sample.write_sample`` and
``synthetic.populate_synthetic``. Modules are imported where used, so ``dunning.models`` (which loads
``portfolio.models``) stays light.
"""

__all__ = ["columns", "dpd", "importers", "models", "repository", "sample", "service", "synthetic"]
