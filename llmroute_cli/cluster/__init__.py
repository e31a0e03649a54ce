"""Engines past one machine: the logs read and routed on a Dask cluster (imported only under ``--engine dask``)."""
