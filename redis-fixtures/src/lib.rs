//! Redis deployments a test owns, on free loopback ports, killed when dropped: one server that
//! may serve TLS only ([`own_redis`]), a Redis Cluster and a master with a replica under Sentinel
//! ([`redis_nodes`]), and what tests read of any deployment ([`redis_nodes::RedisNodes`]). Shared
//! by the workspace's tests and the store's own suite.

pub mod own_redis;
pub mod redis_nodes;
