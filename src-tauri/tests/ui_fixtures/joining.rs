//! Joining an Organization: an invited member's setup, a remote org.

use super::*;

#[test]
fn joining() {
    let mut rec = Recording::new(
        "joining",
        "Joining an Organization: an invited member sets up their authenticator; a remote org \
         is added with a member's key pasted from the clipboard, this device is registered to \
         the member, and the org is left for the sandbox again.",
        org_snapshot(),
    );
    {
        // Eve invites Frank Li, Ada approves, and Frank signs in with no authenticator yet.
        let mut s = rec.session();
        s.act("switch_member", json!({ "memberId": "m-eve" }), "eve")
            .expect("Eve");
        let invite = json!({
            "kind": "invite_member",
            "name": "Frank Li",
            "permissions": {},
            "account": [],
        });
        let asked = s
            .act("submit_request", submit(&invite, None), "eve-invited-frank")
            .expect("queued");
        let id = asked["request"]["id"].as_str().expect("id").to_owned();
        s.act(
            "switch_member",
            json!({ "memberId": "m-ada" }),
            "ada-sees-invitation",
        )
        .expect("Ada");
        let code = s.code_of("m-ada");
        s.act(
            "approve_request",
            json!({ "id": id, "otp": code }),
            "frank-invited",
        )
        .expect("approved");
        let members = s.call("sandbox_members", json!({})).expect("members");
        let frank = members
            .as_array()
            .and_then(|ms| ms.iter().find(|m| m["name"] == "Frank Li"))
            .and_then(|m| m["id"].as_str())
            .expect("Frank")
            .to_owned();
        s.keychain
            .preset_device_key(&format!("sandbox:{frank}"), &device_key(6))
            .expect("device key");
        s.act("switch_member", json!({ "memberId": frank }), "frank")
            .expect("Frank");
        let enrollment = s.query("begin_enrollment", json!({})).expect("a secret");
        let uri = enrollment["otpauth_uri"].as_str().expect("uri").to_owned();
        let refused = s.query("confirm_enrollment", json!({ "otp": "000000" }));
        assert_eq!(refused.expect_err("wrong code")["code"], "invalid_otp");
        let secret = uri
            .split_once("secret=")
            .and_then(|(_, rest)| rest.split('&').next())
            .and_then(countersign_vault::TotpSecret::from_base32)
            .expect("the secret in the URI");
        let now = u64::try_from(s.clock.load(Ordering::SeqCst) / 1000).unwrap_or(0);
        s.act(
            "confirm_enrollment",
            json!({ "otp": secret.code_at(now) }),
            "frank-enrolled",
        )
        .expect("enrolled");
    }
    {
        // A remote org: another sandbox served on its own, where Chloe Park is a member.
        let mut s = rec.session();
        let remote_dir = tempfile::tempdir().expect("tempdir");
        let now = Arc::clone(&s.clock);
        let remote = tauri::async_runtime::block_on(async {
            countersign_sandbox::Sandbox::open_with_clock(
                remote_dir.path(),
                Arc::new(move || now.load(Ordering::SeqCst)),
            )
            .expect("remote sandbox")
            .serve("127.0.0.1:0".parse().expect("addr"))
            .await
            .expect("serve")
        });
        s.spelled.push((remote.base_url.clone(), REMOTE_URL));
        s.keychain
            .preset_device_key(&remote.base_url, &device_key(9))
            .expect("device key");
        let chloe = remote
            .sandbox
            .demo_members()
            .expect("members")
            .into_iter()
            .find(|m| m.id == "m-chloe")
            .expect("Chloe");
        s.clipboard
            .lock()
            .expect("clipboard")
            .set_secret(&chloe.api_secret.to_base64())
            .expect("copied");
        let refused = s.query(
            "add_org",
            json!({ "baseUrl": "ftp://nowhere", "apiKey": chloe.api_key }),
        );
        assert_eq!(refused.expect_err("not a URL")["code"], "invalid_input");
        let url = format!("{}/", remote.base_url);
        s.act(
            "add_org",
            json!({ "baseUrl": url, "apiKey": chloe.api_key }),
            "remote",
        )
        .expect("added");
        let refused = s.query("register_device", json!({ "otp": "000000" }));
        assert_eq!(refused.expect_err("wrong code")["code"], "invalid_otp");
        let now = u64::try_from(s.clock.load(Ordering::SeqCst) / 1000).unwrap_or(0);
        s.act(
            "register_device",
            json!({ "otp": chloe.totp.code_at(now) }),
            "remote-registered",
        )
        .expect("registered");
        s.act("leave_org", json!({}), "left").expect("left");
        drop(remote);
    }
    rec.write();
}
