"""The document being written: text, cursor, selection, revisions, undo/redo and atomic saving."""
