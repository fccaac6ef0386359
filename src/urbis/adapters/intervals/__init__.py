"""Interval data storage: Parquet partitions read with Polars."""
