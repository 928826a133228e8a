"""Reusable Streamlit pieces: number formatting, light badges, plotly chart builders, sign-in and
session glue, cached reads.  Pages import from here; services never import streamlit."""
