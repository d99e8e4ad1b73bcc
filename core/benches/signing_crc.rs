//! Signing and CRC-64 throughput: `cargo bench -p ossdirect --bench signing_crc`
//! (or `cargo xtask bench`). Results are recorded in docs/benchmarks.md.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    reason = "a benchmark: criterion generates `main`, and a panic fails the run"
)]

use chrono::{DateTime, Utc};
use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ossdirect::crc64;
use ossdirect::sign::{v1, v4, RequestToSign, SigningKeyCache};
use ossdirect::Credentials;

fn request() -> RequestToSign {
    let mut req = RequestToSign::new(
        "PUT",
        Some("examplebucket"),
        Some("users/alice/photos/2024 01.jpg"),
    );
    req.push_query("partNumber", Some("3".into()));
    req.push_query("uploadId", Some("0004B9894A22E5B1888A1E29F8236E2D".into()));
    req.set_header("Content-Type", "image/jpeg");
    req.set_header("Content-Length", "6291456");
    req
}

fn signing(c: &mut Criterion) {
    let creds = Credentials::sts(
        "STS.NUgYrLnoC37mZZCNnAbez2dP",
        "secret-of-thirty-characters-xx",
        "CAIS-token",
        None,
    );
    let time: DateTime<Utc> = DateTime::parse_from_rfc3339("2024-06-01T12:00:00Z")
        .unwrap()
        .to_utc();
    let cache = SigningKeyCache::default();
    let req = request();
    c.bench_function("v4_header_sign_cached_key", |b| {
        b.iter(|| {
            let mut r = req.clone();
            black_box(v4::sign_headers(
                &mut r,
                &creds,
                "cn-hangzhou",
                time,
                &[],
                Some(&cache),
            ))
        })
    });
    c.bench_function("v4_header_sign_uncached_key", |b| {
        b.iter(|| {
            let mut r = req.clone();
            black_box(v4::sign_headers(
                &mut r,
                &creds,
                "cn-hangzhou",
                time,
                &[],
                None,
            ))
        })
    });
    c.bench_function("v1_header_sign", |b| {
        b.iter(|| {
            let mut r = req.clone();
            black_box(v1::sign_headers(&mut r, &creds, time, &[]))
        })
    });
    floor(c, &creds, time);
}

/// The work no V4 header signature can avoid, on the same request: SHA-256 of its canonical
/// request, one HMAC-SHA256 of the string to sign under the signing key, and hex of both.
fn floor(c: &mut Criterion, creds: &Credentials, time: DateTime<Utc>) {
    use hmac::{Hmac, Mac};
    use sha2::{Digest, Sha256};

    let mut r = request();
    let signed = v4::sign_headers(&mut r, creds, "cn-hangzhou", time, &[], None);
    let canonical = signed.canonical_request.unwrap();
    let sts = signed.string_to_sign;
    let prefix = &sts.as_bytes()[..sts.len() - 64];
    let key = v4::signing_key(creds.access_key_secret(), "20240601", "cn-hangzhou");
    c.bench_function("v4_floor", |b| {
        b.iter(|| {
            let digest = Sha256::digest(black_box(canonical.as_bytes()));
            let mut mac = Hmac::<Sha256>::new_from_slice(black_box(&key)).unwrap();
            let mut digest_hex = [0u8; 64];
            hex::encode_to_slice(digest, &mut digest_hex).unwrap();
            mac.update(prefix);
            mac.update(&digest_hex);
            let mut signature_hex = [0u8; 64];
            hex::encode_to_slice(mac.finalize().into_bytes(), &mut signature_hex).unwrap();
            black_box(signature_hex)
        })
    });
}

fn crc(c: &mut Criterion) {
    let mut group = c.benchmark_group("crc64");
    for size in [64 * 1024usize, 8 * 1024 * 1024] {
        let data: Vec<u8> = (0..size).map(|i| (i * 131 % 251) as u8).collect();
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_with_input(BenchmarkId::from_parameter(size), &data, |b, d| {
            b.iter(|| black_box(crc64::checksum(d)))
        });
    }
    group.finish();
    c.bench_function("crc64_combine_6MiB_part", |b| {
        b.iter(|| {
            black_box(crc64::combine(
                black_box(0x1234),
                black_box(0x5678),
                6 << 20,
            ))
        })
    });
}

criterion_group!(benches, signing, crc);
criterion_main!(benches);
