"""Topic models behind one interface: every model returns a :class:`TopicResult`."""
