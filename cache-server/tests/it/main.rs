//! Integration tests of `rbuild-cache-server` against real peers (moto S3, the lab registry).

mod s3;
