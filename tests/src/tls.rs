//! A TLS-terminating gRPC proxy in front of a local cluster: Debian's nginx, with certificates
//! made by the test (rcgen). One port requires a client certificate signed by the test CA
//! (mTLS); another requires an API key in `authorization: Bearer`.

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use std::{
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

/// Certificates and keys of one test, as PEM files in `dir`.
#[derive(Debug)]
pub struct Pki {
    /// Where the files are.
    pub dir: PathBuf,
    /// The CA that signed the server's and the good client's certificates.
    pub ca_cert: PathBuf,
    /// The proxy's certificate, for `localhost` and `127.0.0.1`.
    pub server_cert: PathBuf,
    /// Its key.
    pub server_key: PathBuf,
    /// A client certificate the proxy accepts.
    pub client_cert: PathBuf,
    /// Its key.
    pub client_key: PathBuf,
    /// A client certificate from another CA, which the proxy refuses.
    pub rogue_cert: PathBuf,
    /// Its key.
    pub rogue_key: PathBuf,
}

fn ca(name: &str) -> (String, Issuer<'static, KeyPair>) {
    let key = KeyPair::generate().expect("CA key");
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let cert = params.self_signed(&key).expect("CA certificate").pem();
    (cert, Issuer::new(params, key))
}

fn leaf(
    issuer: &Issuer<'_, KeyPair>,
    names: &[&str],
    common_name: &str,
    usage: ExtendedKeyUsagePurpose,
) -> (String, String) {
    let key = KeyPair::generate().expect("key");
    let mut params =
        CertificateParams::new(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>())
            .expect("params");
    params
        .distinguished_name
        .push(DnType::CommonName, common_name);
    params.extended_key_usages = vec![usage];
    let cert = params.signed_by(&key, issuer).expect("certificate").pem();
    (cert, key.serialize_pem())
}

impl Pki {
    /// Makes a CA, a server certificate, a client certificate and a rogue client certificate.
    pub fn generate(dir: &Path) -> Pki {
        std::fs::create_dir_all(dir).expect("pki dir");
        let write = |name: &str, pem: &str| {
            let path = dir.join(name);
            std::fs::write(&path, pem).expect("write pem");
            path
        };
        let (ca_pem, issuer) = ca("temporal-bridge test CA");
        let (server, server_key) = leaf(
            &issuer,
            &["localhost", "127.0.0.1"],
            "localhost",
            ExtendedKeyUsagePurpose::ServerAuth,
        );
        let (client, client_key) =
            leaf(&issuer, &[], "bridge", ExtendedKeyUsagePurpose::ClientAuth);
        let (_, rogue_issuer) = ca("someone else's CA");
        let (rogue, rogue_key) = leaf(
            &rogue_issuer,
            &[],
            "bridge",
            ExtendedKeyUsagePurpose::ClientAuth,
        );
        Pki {
            dir: dir.to_owned(),
            ca_cert: write("ca.pem", &ca_pem),
            server_cert: write("server.pem", &server),
            server_key: write("server.key", &server_key),
            client_cert: write("client.pem", &client),
            client_key: write("client.key", &client_key),
            rogue_cert: write("rogue.pem", &rogue),
            rogue_key: write("rogue.key", &rogue_key),
        }
    }
}

/// Finds nginx (`NGINX_PATH`, or Debian's), installing Debian's package when it is missing.
pub fn ensure_nginx() -> Result<PathBuf, String> {
    crate::debian::ensure_package("nginx", "/usr/sbin/nginx", "NGINX_PATH")
}

/// nginx in front of one cluster; stopped on drop.
pub struct TlsProxy {
    child: Child,
    /// `127.0.0.1:port` that requires a client certificate from [`Pki::ca_cert`].
    pub mtls_address: String,
    /// `127.0.0.1:port` that requires `authorization: Bearer <api key>`.
    pub api_key_address: String,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

impl TlsProxy {
    /// Starts nginx proxying gRPC to `upstream` (`host:port`), with the certificates of `pki`
    /// and `api_key` as the only accepted key.
    pub fn start(upstream: &str, pki: &Pki, api_key: &str) -> TlsProxy {
        let nginx = ensure_nginx().unwrap_or_else(|e| panic!("{e}"));
        let dir = pki.dir.join("nginx");
        std::fs::create_dir_all(&dir).expect("nginx dir");
        let (mtls, keyed) = (free_port(), free_port());
        let d = dir.display();
        let p = |path: &Path| path.display().to_string();
        let proxied =
            format!("grpc_pass grpc://{upstream}; grpc_read_timeout 600s; grpc_send_timeout 600s;");
        // A gRPC refusal, as a gRPC-aware proxy gives it: status 16 (UNAUTHENTICATED) in a
        // trailers-only response.
        let refuse = |why: &str| {
            format!(
                "add_header content-type application/grpc always; \
                 add_header grpc-status 16 always; add_header grpc-message \"{why}\" always; \
                 return 200;"
            )
        };
        let config = format!(
            "daemon off;\nmaster_process off;\nworker_processes 1;\npid {d}/nginx.pid;\n\
             error_log {d}/error.log warn;\nevents {{ worker_connections 512; }}\n\
             http {{\n  access_log off;\n  client_body_temp_path {d}/body;\n  \
             proxy_temp_path {d}/proxy;\n  fastcgi_temp_path {d}/fastcgi;\n  \
             uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n  \
             ssl_certificate {cert};\n  ssl_certificate_key {key};\n  \
             server {{\n    listen 127.0.0.1:{mtls} ssl http2;\n    \
             ssl_client_certificate {ca};\n    ssl_verify_client optional_no_ca;\n    \
             location / {{\n      if ($ssl_client_verify != SUCCESS) {{ {refuse_cert} }}\n      \
             {proxied}\n    }}\n  }}\n  \
             server {{\n    listen 127.0.0.1:{keyed} ssl http2;\n    \
             location / {{\n      if ($http_authorization != \"Bearer {api_key}\") {{ {refuse_key} }}\n      \
             {proxied}\n    }}\n  }}\n}}\n",
            cert = p(&pki.server_cert),
            key = p(&pki.server_key),
            ca = p(&pki.ca_cert),
            refuse_cert = refuse("a valid client certificate is required"),
            refuse_key = refuse("a valid API key is required"),
        );
        let conf = dir.join("nginx.conf");
        std::fs::write(&conf, config).expect("nginx.conf");
        let log = std::fs::File::create(dir.join("stderr.log")).expect("nginx log");
        let child = Command::new(&nginx)
            .arg("-p")
            .arg(&dir)
            .arg("-e")
            .arg(dir.join("error.log"))
            .arg("-c")
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("run {}: {e}", nginx.display()));
        let proxy = TlsProxy {
            child,
            mtls_address: format!("127.0.0.1:{mtls}"),
            api_key_address: format!("127.0.0.1:{keyed}"),
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        for address in [&proxy.mtls_address, &proxy.api_key_address] {
            while std::net::TcpStream::connect(address).is_err() {
                assert!(
                    Instant::now() < deadline,
                    "nginx did not listen on {address}; see {}",
                    dir.join("error.log").display()
                );
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        proxy
    }
}

impl Drop for TlsProxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
