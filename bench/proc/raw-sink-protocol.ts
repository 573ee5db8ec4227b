// The protocol id the raw-sink process answers on; kept apart so importing it starts nothing.
export const SINK_PROTOCOL = '/hearth-bench/sink/1.0.0'
