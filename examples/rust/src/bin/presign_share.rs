//! Prints a presigned link to an object that anyone can open until it expires (no credentials
//! needed to follow it).
//!
//! `presign_share KEY [SECONDS]` (settings from the environment; default 3600 s).

use ossdirect::client::Method;
use ossdirect_examples::Settings;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let Some(key) = args.next() else {
        return Err("usage: presign_share KEY [SECONDS]".into());
    };
    let seconds: u64 = args.next().map(|s| s.parse()).transpose()?.unwrap_or(3600);
    let settings = Settings::from_env()?;
    let client = settings.client()?;
    let url = client
        .presign_object(Method::GET, &settings.bucket, &key, Vec::new(), seconds)
        .await?;
    println!("{url}");
    Ok(())
}
