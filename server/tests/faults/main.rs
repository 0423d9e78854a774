//! The server binary as it is deployed: start-up failures, graceful shutdown, the admin
//! commands, two nodes on one PostgreSQL, a database outage under load, and `kill -9`
//! in the middle of a refresh-and-revoke storm, and storms of clients that hang up mid-request.

mod node;
#[path = "../api/sse.rs"]
mod sse;

mod cli;
mod crash;
mod hangups;
mod live;
mod nodes;
mod outage;
mod shared_limits;
mod slow_clients;
