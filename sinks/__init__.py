"""Forestry sink estimates (碳汇核算): the estimator page, its API and CLI, and ex-ante blocks in the ledger."""
