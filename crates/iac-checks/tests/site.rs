#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! The site (template.yaml `SiteBucket`, `SiteDistribution` and their
//! policies, issue 30; docs/site.md): a private bucket that only this
//! distribution reads through Origin Access Control, the API on the same
//! origin under /api/ (its stage path, its headers, never Host, the counter
//! never cached), one security-headers policy everywhere, HTTPS only, and no
//! dependency cycle.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use iac_checks::{cycle_from, transformed, Intrinsic, Template};
use serde_json::Value as Json;
use serde_norway::Value;

/// The managed CachingDisabled cache policy (CloudFront developer guide,
/// "Use managed cache policies").
const CACHING_DISABLED: &str = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad";

fn template() -> Template {
    Template::load().unwrap()
}

fn config(t: &Template) -> &Value {
    &t.resource("SiteDistribution").expect("no SiteDistribution")["Properties"]
        ["DistributionConfig"]
}

fn sub_text(value: &Value) -> String {
    iac_checks::sub_text(value).unwrap_or_else(|| panic!("not a !Sub string: {value:?}"))
}

/// Every behaviour: the default first, then the ordered ones with their
/// path patterns.
fn behaviours(t: &Template) -> Vec<(Option<String>, &Value)> {
    let c = config(t);
    let mut all = vec![(None, &c["DefaultCacheBehavior"])];
    for b in c["CacheBehaviors"].as_sequence().into_iter().flatten() {
        all.push((Some(b["PathPattern"].as_str().unwrap().to_owned()), b));
    }
    all
}

/// CloudFront's path pattern: `*` any run of characters, `?` one, the whole
/// path, case-sensitive.
fn pattern_matches(pattern: &str, path: &str) -> bool {
    let regex: String = pattern
        .chars()
        .map(|c| match c {
            '*' => ".*".to_owned(),
            '?' => ".".to_owned(),
            c => regex::escape(&c.to_string()),
        })
        .collect();
    regex::Regex::new(&format!("^{regex}$"))
        .unwrap()
        .is_match(path)
}

/// The behaviour CloudFront applies to `path`: the first pattern that
/// matches, else the default.
fn behaviour_for<'a>(t: &'a Template, path: &str) -> &'a Value {
    let all = behaviours(t);
    all.iter()
        .skip(1)
        .find(|(p, _)| pattern_matches(p.as_deref().unwrap(), path))
        .unwrap_or(&all[0])
        .1
}

fn origin<'a>(t: &'a Template, id: &str) -> &'a Value {
    config(t)["Origins"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|o| o["Id"] == id)
        .unwrap_or_else(|| panic!("no origin {id}"))
}

fn ref_to(id: &str) -> Intrinsic {
    Intrinsic::Ref(id.into())
}

/// The function (logical id) a behaviour runs on viewer request.
fn viewer_request_function(behaviour: &Value) -> Option<String> {
    let fns = behaviour["FunctionAssociations"].as_sequence()?;
    assert_eq!(fns.len(), 1, "{fns:?}");
    assert_eq!(fns[0]["EventType"].as_str(), Some("viewer-request"));
    match Intrinsic::of(&fns[0]["FunctionARN"]) {
        Intrinsic::GetAtt(id, attr) if attr == "FunctionARN" => Some(id),
        other => panic!("FunctionARN {other:?}"),
    }
}

/// The URIs a CloudFront Function's code leaves for `uris`, run by Node.js
/// (its cloudfront-js-2.0 code is plain ECMAScript).
fn run_function(t: &Template, id: &str, uris: &[&str]) -> Vec<String> {
    let code = t.resource(id).unwrap()["Properties"]["FunctionCode"]
        .as_str()
        .unwrap();
    let script = format!(
        "{code}\nconsole.log(JSON.stringify(JSON.parse(process.argv[1]).map(\
         (uri) => handler({{ request: {{ uri, headers: {{}} }} }}).uri)));"
    );
    let out = Command::new("node")
        .args(["-e", &script, &serde_json::to_string(uris).unwrap()])
        .output()
        .expect("node (Node.js, which make deps needs too) runs the CloudFront Functions");
    assert!(
        out.status.success(),
        "{id}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn the_site_is_on_by_default_and_off_with_its_parameter() {
    let t = template();
    let param = &t.root["Parameters"]["SiteHosting"];
    assert_eq!(param["Default"].as_str(), Some("true"));
    let has_site = &t.root["Conditions"]["HasSite"]["Fn::Equals"];
    assert_eq!(Intrinsic::of(&has_site[0]), ref_to("SiteHosting"));
    assert_eq!(has_site[1].as_str(), Some("true"));
    // Every site resource goes with it (the records with a domain, too).
    let conditions = |id: &str| {
        t.resource(id).unwrap()["Condition"]
            .as_str()
            .map(str::to_owned)
    };
    for (id, r) in t.resources().unwrap() {
        let id = id.as_str().unwrap();
        let kind = r["Type"].as_str().unwrap();
        let site = kind.starts_with("AWS::CloudFront::") || kind.starts_with("AWS::S3::");
        if site {
            assert_eq!(conditions(id).as_deref(), Some("HasSite"), "{id}");
        }
        if id.starts_with("SiteRecord") {
            assert_eq!(conditions(id).as_deref(), Some("HasSiteRecord"), "{id}");
        }
    }
    for output in ["SiteBucketName", "SiteDistributionId", "SiteUrl"] {
        let o = &t.root["Outputs"][output];
        assert_eq!(o["Condition"].as_str(), Some("HasSite"), "{output}");
    }
}

#[test]
fn the_bucket_is_private_encrypted_and_no_website() {
    let t = template();
    let bucket = t.resource("SiteBucket").unwrap();
    let p = &bucket["Properties"];
    let block = &p["PublicAccessBlockConfiguration"];
    for setting in [
        "BlockPublicAcls",
        "BlockPublicPolicy",
        "IgnorePublicAcls",
        "RestrictPublicBuckets",
    ] {
        assert_eq!(block[setting].as_bool(), Some(true), "{setting}");
    }
    let sse = &p["BucketEncryption"]["ServerSideEncryptionConfiguration"][0];
    assert_eq!(
        sse["ServerSideEncryptionByDefault"]["SSEAlgorithm"].as_str(),
        Some("AES256"),
        "SSE-S3"
    );
    assert_eq!(
        p["OwnershipControls"]["Rules"][0]["ObjectOwnership"].as_str(),
        Some("BucketOwnerEnforced"),
        "ACLs off"
    );
    for absent in ["WebsiteConfiguration", "AccessControl", "BucketName"] {
        assert!(p.get(absent).is_none(), "SiteBucket sets {absent}");
    }
    // A build of the site: nothing to keep, said out loud.
    for policy in ["DeletionPolicy", "UpdateReplacePolicy"] {
        assert_eq!(bucket[policy].as_str(), Some("Delete"), "{policy}");
    }
}

#[test]
fn cloudfront_reads_the_bucket_through_origin_access_control_not_an_oai() {
    let t = template();
    assert!(t
        .of_type("AWS::CloudFront::CloudFrontOriginAccessIdentity")
        .is_empty());
    let oac =
        &t.resource("SiteOriginAccessControl").unwrap()["Properties"]["OriginAccessControlConfig"];
    assert_eq!(oac["OriginAccessControlOriginType"].as_str(), Some("s3"));
    assert_eq!(oac["SigningBehavior"].as_str(), Some("always"));
    assert_eq!(oac["SigningProtocol"].as_str(), Some("sigv4"));
    let site = origin(&t, "site");
    assert_eq!(
        Intrinsic::of(&site["DomainName"]),
        Intrinsic::GetAtt("SiteBucket".into(), "RegionalDomainName".into())
    );
    assert_eq!(
        Intrinsic::of(&site["OriginAccessControlId"]),
        Intrinsic::GetAtt("SiteOriginAccessControl".into(), "Id".into())
    );
    assert_eq!(
        site["S3OriginConfig"]["OriginAccessIdentity"].as_str(),
        Some(""),
        "no legacy OAI"
    );
    assert_eq!(behaviour_for(&t, "/index.html")["TargetOriginId"], "site");
}

#[test]
fn the_bucket_policy_lets_this_distribution_read_and_no_one_else() {
    let t = template();
    let p = &t.resource("SiteBucketPolicy").unwrap()["Properties"];
    assert_eq!(Intrinsic::of(&p["Bucket"]), ref_to("SiteBucket"));
    let statements = p["PolicyDocument"]["Statement"].as_sequence().unwrap();
    let allows: Vec<&Value> = statements
        .iter()
        .filter(|s| s["Effect"] == "Allow")
        .collect();
    assert_eq!(allows.len(), 1, "{allows:?}");
    let s = allows[0];
    assert_eq!(
        s["Principal"],
        serde_norway::from_str::<Value>("{Service: cloudfront.amazonaws.com}").unwrap()
    );
    assert_eq!(s["Action"].as_str(), Some("s3:GetObject"));
    assert_eq!(sub_text(&s["Resource"]), "${SiteBucket.Arn}/*");
    let conditions = s["Condition"].as_mapping().unwrap();
    assert_eq!(conditions.len(), 1, "{conditions:?}");
    let source = &s["Condition"]["StringEquals"]["AWS:SourceArn"];
    assert_eq!(
        sub_text(source),
        "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${SiteDistribution}",
        "this distribution only"
    );
}

#[test]
fn the_api_is_under_api_with_its_stage_as_the_origin_path() {
    let t = template();
    let api = origin(&t, "api");
    assert_eq!(
        sub_text(&api["DomainName"]),
        "${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix}"
    );
    assert_eq!(sub_text(&api["OriginPath"]), "/${Stage}");
    let custom = &api["CustomOriginConfig"];
    assert_eq!(custom["OriginProtocolPolicy"].as_str(), Some("https-only"));
    // Every public GET route, under /api: to the API, through the function
    // that drops /api, so the stage (OriginPath) comes first, as on the
    // execute-api URL.
    let routes: BTreeSet<String> = t
        .api_routes()
        .into_iter()
        .filter(|(method, _)| method == "GET")
        .map(|(_, path)| path.replace("{id}", "alice"))
        .collect();
    assert!(routes.contains(visitor_counter::ROUTE), "{routes:?}");
    let mut functions = BTreeSet::new();
    for route in &routes {
        let b = behaviour_for(&t, &format!("/api{route}"));
        assert_eq!(b["TargetOriginId"], "api", "/api{route}");
        functions.insert(viewer_request_function(b).unwrap());
    }
    assert_eq!(functions.len(), 1, "{functions:?}");
    let id = functions.pop_first().unwrap();
    let viewed: Vec<String> = routes.iter().map(|r| format!("/api{r}")).collect();
    let viewed: Vec<&str> = viewed.iter().map(String::as_str).collect();
    let sent = run_function(&t, &id, &viewed);
    assert_eq!(sent, routes.iter().cloned().collect::<Vec<_>>());
    // And nothing but /api/... reaches the API.
    for path in [
        "/",
        "/api",
        "/apix/visitorcount",
        "/visitorcount",
        "/x/api/resume",
    ] {
        assert_eq!(behaviour_for(&t, path)["TargetOriginId"], "site", "{path}");
    }
}

#[test]
fn the_site_maps_directories_to_index_html_without_error_pages() {
    let t = template();
    let c = config(&t);
    assert!(
        c.get("CustomErrorResponses").is_none(),
        "a custom error response would rewrite the API's 403 and 404 too"
    );
    let id = viewer_request_function(&c["DefaultCacheBehavior"]).unwrap();
    let sent = run_function(&t, &id, &["/", "/blog/", "/app.js", "/blog/post.html"]);
    assert_eq!(
        sent,
        [
            "/index.html",
            "/blog/index.html",
            "/app.js",
            "/blog/post.html"
        ]
    );
}

#[test]
fn the_api_gets_the_headers_the_counter_reads_and_never_host() {
    let t = template();
    let policy = &t.resource("SiteApiOriginRequestPolicy").unwrap()["Properties"]
        ["OriginRequestPolicyConfig"];
    let headers_config = &policy["HeadersConfig"];
    // allViewer and allExcept pass every viewer header (Host too, unless
    // excluded): only a list says exactly what leaves.
    assert_eq!(headers_config["HeaderBehavior"].as_str(), Some("whitelist"));
    let forwarded: BTreeSet<String> = headers_config["Headers"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap().to_lowercase())
        .collect();
    assert!(!forwarded.contains("host"), "{forwarded:?}");
    assert!(forwarded.contains(visitor_counter::visitor::VIEWER_ADDRESS.as_str()));
    // What the contract says the counter reads, the visitor's browser, and
    // the resume's conditional GET.
    let contract = iac_checks::openapi().unwrap();
    let documented = contract["paths"][visitor_counter::ROUTE]["get"]["parameters"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter(|p| p["in"] == "header")
        .map(|p| p["name"].as_str().unwrap().to_lowercase());
    for header in documented.chain(["user-agent".into(), "if-none-match".into()]) {
        assert!(forwarded.contains(&header), "{header} is not forwarded");
    }
    assert_eq!(
        policy["CookiesConfig"]["CookieBehavior"].as_str(),
        Some("none")
    );
    // Every behaviour to the API uses it; no cache key adds Host.
    for (pattern, b) in behaviours(&t) {
        if b["TargetOriginId"] == "api" {
            assert_eq!(
                Intrinsic::of(&b["OriginRequestPolicyId"]),
                ref_to("SiteApiOriginRequestPolicy"),
                "{pattern:?}"
            );
        }
    }
    for (id, cache) in t.of_type("AWS::CloudFront::CachePolicy") {
        let keyed = &cache["Properties"]["CachePolicyConfig"]
            ["ParametersInCacheKeyAndForwardedToOrigin"]["HeadersConfig"]["Headers"];
        for h in keyed.as_sequence().into_iter().flatten() {
            assert_ne!(h.as_str().unwrap().to_lowercase(), "host", "{id}");
        }
    }
}

#[test]
fn the_counter_is_never_cached_and_the_resume_as_its_origin_says() {
    let t = template();
    for path in [visitor_counter::ROUTE, visitor_counter::STATS_ROUTE] {
        let b = behaviour_for(&t, &format!("/api{path}"));
        assert_eq!(b["TargetOriginId"], "api", "{path}");
        assert_eq!(
            b["CachePolicyId"].as_str(),
            Some(CACHING_DISABLED),
            "{path}"
        );
    }
    for path in ["/api/resume", "/api/resume/alice"] {
        let b = behaviour_for(&t, path);
        let Intrinsic::Ref(id) = Intrinsic::of(&b["CachePolicyId"]) else {
            panic!("{path}: not the stack's cache policy")
        };
        let c = &t.resource(&id).unwrap()["Properties"]["CachePolicyConfig"];
        // The origin's Cache-Control decides: nothing cached without one.
        assert_eq!(c["MinTTL"].as_u64(), Some(0), "{path}");
        assert_eq!(c["DefaultTTL"].as_u64(), Some(0), "{path}");
        assert!(c["MaxTTL"].as_u64().unwrap() >= 60, "{path}");
    }
}

#[test]
fn every_behaviour_redirects_to_https_and_sends_the_security_headers() {
    let t = template();
    let c = config(&t);
    assert_eq!(c["HttpVersion"].as_str(), Some("http2and3"));
    for (pattern, b) in behaviours(&t) {
        assert_eq!(
            b["ViewerProtocolPolicy"].as_str(),
            Some("redirect-to-https"),
            "{pattern:?}"
        );
        assert_eq!(
            Intrinsic::of(&b["ResponseHeadersPolicyId"]),
            ref_to("SiteHeadersPolicy"),
            "{pattern:?}"
        );
    }
    // Exactly the agreed policy (local-api sends the same, read from here).
    let want: Value = serde_norway::from_str(
        r#"
ContentSecurityPolicy:
  ContentSecurityPolicy: "default-src 'self'; connect-src 'self'; img-src 'self' https: data:; script-src 'self'; style-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
  Override: true
StrictTransportSecurity: {AccessControlMaxAgeSec: 63072000, IncludeSubdomains: true, Preload: false, Override: true}
ContentTypeOptions: {Override: true}
FrameOptions: {FrameOption: DENY, Override: true}
ReferrerPolicy: {ReferrerPolicy: strict-origin-when-cross-origin, Override: true}
"#,
    )
    .unwrap();
    let policies = t.of_type("AWS::CloudFront::ResponseHeadersPolicy");
    assert_eq!(policies.len(), 1, "one source of the headers");
    assert_eq!(policies[0].0, "SiteHeadersPolicy");
    let config = &policies[0].1["Properties"]["ResponseHeadersPolicyConfig"];
    assert_eq!(config["SecurityHeadersConfig"], want);
}

#[test]
fn the_secret_header_reaches_the_counter_only_when_set() {
    let t = template();
    let param = &t.root["Parameters"]["OriginVerifySecret"];
    assert_eq!(param["NoEcho"].as_bool(), Some(true));
    assert_eq!(param["Default"].as_str(), Some(""));
    // The pattern accepts what the counter accepts.
    let pattern = regex::Regex::new(param["AllowedPattern"].as_str().unwrap()).unwrap();
    let (min, max) = (
        visitor_counter::OriginVerify::MIN_CHARS,
        visitor_counter::OriginVerify::MAX_CHARS,
    );
    for candidate in [
        String::new(),
        "a".repeat(min),
        "~".repeat(max),
        "a".repeat(min - 1),
        "a".repeat(max + 1),
        format!("{} ", "a".repeat(min)),
        format!("{}é", "a".repeat(min)),
    ] {
        let counter = candidate.parse::<visitor_counter::OriginVerify>().is_ok();
        let accepted = pattern.find(&candidate).map(|m| m.as_str()) == Some(candidate.as_str());
        assert_eq!(accepted, counter, "{candidate:?}");
    }
    let condition = &t.root["Conditions"]["HasOriginVerifySecret"]["Fn::Not"][0]["Fn::Equals"];
    assert_eq!(Intrinsic::of(&condition[0]), ref_to("OriginVerifySecret"));
    assert_eq!(condition[1].as_str(), Some(""));
    let headers = &origin(&t, "api")["OriginCustomHeaders"]["Fn::If"];
    assert_eq!(headers[0].as_str(), Some("HasOriginVerifySecret"));
    let header = &headers[1][0];
    assert_eq!(
        header["HeaderName"].as_str().unwrap().to_lowercase(),
        visitor_counter::visitor::ORIGIN_VERIFY.as_str()
    );
    assert_eq!(
        Intrinsic::of(&header["HeaderValue"]),
        ref_to("OriginVerifySecret")
    );
    assert_eq!(Intrinsic::of(&headers[2]), ref_to("AWS::NoValue"));
    let counter = t.resource("VisitorCounterFunction").unwrap();
    let env = t.function_env(counter);
    assert_eq!(
        Intrinsic::of(&env["ORIGIN_VERIFY_SECRET"]),
        ref_to("OriginVerifySecret")
    );
    // No other origin gets it, no other function.
    assert!(origin(&t, "site").get("OriginCustomHeaders").is_none());
    for (id, f) in t.functions() {
        if id != "VisitorCounterFunction" {
            assert!(
                !t.function_env(f).contains_key("ORIGIN_VERIFY_SECRET"),
                "{id}"
            );
        }
    }
}

#[test]
fn a_custom_domain_needs_a_us_east_1_certificate_and_gets_a_and_aaaa_records() {
    let t = template();
    let cert = &t.root["Parameters"]["SiteCertificateArn"];
    let pattern = regex::Regex::new(cert["AllowedPattern"].as_str().unwrap()).unwrap();
    let uuid = "0123abcd-4567-89ef-0123-456789abcdef";
    let arn = |region: &str| format!("arn:aws:acm:{region}:123456789012:certificate/{uuid}");
    assert!(pattern.is_match(""));
    assert!(pattern.is_match(&arn("us-east-1")));
    assert!(!pattern.is_match(&arn("eu-west-1")));
    assert!(cert["ConstraintDescription"]
        .as_str()
        .unwrap()
        .contains("us-east-1"));
    let c = config(&t);
    let aliases = &c["Aliases"]["Fn::If"];
    assert_eq!(aliases[0].as_str(), Some("HasSiteDomain"));
    assert_eq!(Intrinsic::of(&aliases[1][0]), ref_to("SiteDomainName"));
    assert_eq!(Intrinsic::of(&aliases[2]), ref_to("AWS::NoValue"));
    let viewer = &c["ViewerCertificate"]["Fn::If"];
    assert_eq!(viewer[0].as_str(), Some("HasSiteDomain"));
    assert_eq!(
        Intrinsic::of(&viewer[1]["AcmCertificateArn"]),
        ref_to("SiteCertificateArn")
    );
    assert_eq!(viewer[1]["SslSupportMethod"].as_str(), Some("sni-only"));
    let rule = &t.root["Rules"]["SiteDomainNeedsCertificate"];
    assert_eq!(
        Intrinsic::of(&rule["Assertions"][0]["Assert"]["Fn::Not"][0]["Fn::Equals"][0]),
        ref_to("SiteCertificateArn")
    );
    let records: BTreeMap<String, &Value> = t
        .of_type("AWS::Route53::RecordSet")
        .into_iter()
        .filter(|(id, _)| id.starts_with("SiteRecord"))
        .map(|(_, r)| (r["Properties"]["Type"].as_str().unwrap().to_owned(), r))
        .collect();
    assert_eq!(
        records.keys().map(String::as_str).collect::<Vec<_>>(),
        ["A", "AAAA"]
    );
    for r in records.values() {
        let p = &r["Properties"];
        assert_eq!(Intrinsic::of(&p["Name"]), ref_to("SiteDomainName"));
        assert_eq!(Intrinsic::of(&p["HostedZoneId"]), ref_to("HostedZoneId"));
        let alias = &p["AliasTarget"];
        assert_eq!(
            Intrinsic::of(&alias["DNSName"]),
            Intrinsic::GetAtt("SiteDistribution".into(), "DomainName".into())
        );
        // CloudFront's alias hosted zone (Route 53 AliasTarget reference).
        assert_eq!(alias["HostedZoneId"].as_str(), Some("Z2FDTNDATAQYW2"));
    }
}

// ---------------------------------------------------------------- cycles

/// The logical ids a template value refers to: `Ref`, `Fn::GetAtt`, and
/// `${X}` / `${X.Attr}` inside `Fn::Sub` (not its own variables).
fn references(value: &Json, ids: &BTreeSet<String>, out: &mut BTreeSet<String>) {
    match value {
        Json::Object(map) if map.len() == 1 => {
            let (key, arg) = map.iter().next().unwrap();
            match (key.as_str(), arg) {
                ("Ref", Json::String(id)) => {
                    out.insert(id.clone());
                }
                ("Fn::GetAtt", Json::Array(parts)) => {
                    out.extend(parts[0].as_str().map(str::to_owned));
                }
                ("Fn::GetAtt", Json::String(text)) => {
                    out.insert(text.split('.').next().unwrap().to_owned());
                }
                ("Fn::Sub", sub) => {
                    let (text, vars) = match sub {
                        Json::Array(parts) => (parts[0].as_str().unwrap_or_default(), parts.get(1)),
                        other => (other.as_str().unwrap_or_default(), None),
                    };
                    let own: BTreeSet<&str> = vars
                        .and_then(Json::as_object)
                        .map(|m| m.keys().map(String::as_str).collect())
                        .unwrap_or_default();
                    let token = regex::Regex::new(r"\$\{([^}!][^}]*)\}").unwrap();
                    for c in token.captures_iter(text) {
                        let name = c[1].split('.').next().unwrap();
                        if !own.contains(name) {
                            out.insert(name.to_owned());
                        }
                    }
                    if let Some(vars) = vars {
                        references(vars, ids, out);
                    }
                }
                _ => references(arg, ids, out),
            }
        }
        Json::Object(map) => map.values().for_each(|v| references(v, ids, out)),
        Json::Array(list) => list.iter().for_each(|v| references(v, ids, out)),
        _ => {}
    }
    out.retain(|id| ids.contains(id));
}

/// A dependency cycle among a template's resources (Ref, GetAtt, Sub,
/// DependsOn), as the list of ids around it, if there is one.
fn dependency_cycle(template: &Json) -> Option<Vec<String>> {
    let resources = template["Resources"].as_object()?;
    let ids: BTreeSet<String> = resources.keys().cloned().collect();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (id, r) in resources {
        let mut to = BTreeSet::new();
        references(r, &ids, &mut to);
        match &r["DependsOn"] {
            Json::String(d) => {
                to.insert(d.clone());
            }
            Json::Array(list) => {
                to.extend(list.iter().filter_map(|d| d.as_str().map(str::to_owned)))
            }
            _ => {}
        }
        edges.insert(id.clone(), to);
    }
    edges.keys().find_map(|id| cycle_from(&edges, id))
}

#[test]
fn the_transformed_template_has_no_dependency_cycle() {
    let transformed = transformed().unwrap();
    assert_eq!(dependency_cycle(&transformed), None);
    // The trap of the issue: the counter's environment naming the
    // distribution (Function -> Distribution -> RestApi -> Function).
    let mut trapped = transformed.clone();
    trapped["Resources"]["VisitorCounterFunction"]["Properties"]["Environment"]["Variables"]
        ["SITE"] = serde_json::json!({"Fn::GetAtt": ["SiteDistribution", "DomainName"]});
    let cycle = dependency_cycle(&trapped).expect("the trap is a cycle");
    assert!(cycle.contains(&"SiteDistribution".to_owned()), "{cycle:?}");
}

#[test]
fn cycles_are_found_through_sub_and_depends_on() {
    let template = serde_json::json!({"Resources": {
        "A": {"Properties": {"X": {"Fn::Sub": "${B.Arn}/x"}}},
        "B": {"DependsOn": "C"},
        "C": {"Properties": {"Y": {"Fn::Sub": ["${A}-${Own}", {"Own": "z"}]}}},
    }});
    assert_eq!(
        dependency_cycle(&template),
        Some(vec!["A".into(), "B".into(), "C".into(), "A".into()])
    );
    let acyclic = serde_json::json!({"Resources": {
        "A": {"Properties": {"X": {"Fn::Sub": ["${Own}", {"Own": {"Ref": "B"}}]}}},
        "B": {"Properties": {"Y": {"Ref": "AWS::Region"}, "Z": "${A}"}},
    }});
    assert_eq!(dependency_cycle(&acyclic), None);
}
