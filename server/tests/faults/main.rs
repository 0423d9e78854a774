//! The server binary as it is deployed: start-up failures, graceful shutdown, the admin
//! commands, two nodes on one PostgreSQL, a database outage under load, and `kill -9`
//! in the middle of a refresh-and-revoke storm.

mod node;

mod cli;
mod crash;
mod nodes;
mod outage;
