/**
 * How much closer two arrivals at a simulator may be than the client's own wait between the
 * sends. A not-found grace window runs from kaquan's send (its clock, before the connection is
 * set up), while simulators stamp arrivals: the first request's arrival also carries a new
 * connection's set-up and the re-send reuses the socket, so on a busy machine the arrivals are
 * up to a few milliseconds closer than the window. A re-send that did not wait would arrive
 * within milliseconds of the not-found answer, far below the window minus this.
 */
export const ARRIVAL_SKEW_MS = 10;
