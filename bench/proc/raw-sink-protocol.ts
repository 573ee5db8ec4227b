// The protocol ids the raw-sink process answers on; kept apart so importing them starts nothing.
export const SINK_PROTOCOL = '/hearth-bench/sink/1.0.0'
/** Sends back every byte it receives: the latency floor's far end. */
export const ECHO_PROTOCOL = '/hearth-bench/echo/1.0.0'
