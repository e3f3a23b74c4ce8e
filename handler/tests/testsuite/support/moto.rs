//! moto's server mode (PyPI `moto[server]`, which `scripts/test` installs): a local stand-in for
//! Amazon SES and S3, started on a free loopback port and stopped on drop.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// moto's server, stopped on drop.
pub struct Moto(Child, u16);

impl Moto {
    pub fn start() -> Moto {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut child = Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server runs (scripts/test installs it: pip install 'moto[server]')");
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Moto(child, port);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("moto_server did not listen on port {port} within 10 s");
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.1)
    }

    /// An S3 client for this server (path-style addressing, dummy credentials).
    pub fn s3_client(&self) -> aws_sdk_s3::Client {
        let config = aws_sdk_s3::Config::builder()
            .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
            .region(aws_sdk_s3::config::Region::new("eu-north-1"))
            .endpoint_url(self.url())
            .force_path_style(true)
            .credentials_provider(aws_sdk_s3::config::Credentials::new(
                "local", "local", None, None, "test",
            ))
            .build();
        aws_sdk_s3::Client::from_conf(config)
    }

    /// A new, empty, private bucket.
    pub async fn bucket(&self) -> String {
        let bucket = format!("attachments-{}", uuid::Uuid::new_v4().simple());
        let location = aws_sdk_s3::types::CreateBucketConfiguration::builder()
            .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::EuNorth1)
            .build();
        self.s3_client()
            .create_bucket()
            .bucket(&bucket)
            .create_bucket_configuration(location)
            .send()
            .await
            .unwrap_or_else(|e| panic!("creating bucket {bucket} in moto: {e:?}"));
        bucket
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
