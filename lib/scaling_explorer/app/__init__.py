"""The Streamlit app's glue (needs the `app` extra: streamlit, plotly): cached library calls,
URL-bound widgets, exports, the upload check's widgets and the family views' widgets."""
