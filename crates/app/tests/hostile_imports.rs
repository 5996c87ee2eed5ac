//! Malicious import files through the Ledgers area's core, after a good import: a zip bomb, a
//! zip member whose declared size is forged, a field of many megabytes (a gigabyte in the long
//! form, `COUNTERSIGN_FAULTS=long`), numbers at `Decimal`'s limit, and each required column
//! missing in turn. Each is refused with an error naming the file (and, where there is one, the
//! line and the column), nothing of it is stored, and the workspace answers as before. The
//! figures are printed as `faults imports:`.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use countersign_app::LedgerReview;
use countersign_app::ledgers::{ImportSummary, LedgerFilter};

#[path = "../../ledger/tests/support/locate.rs"]
mod locate;

/// The 12-column fixture: 50 rows.
const LEDGERS: &str = "ledgers-12-2024-2025.csv";

fn long() -> bool {
    std::env::var("COUNTERSIGN_FAULTS").is_ok_and(|v| v == "long")
}

async fn import(review: &LedgerReview, path: &Path) -> ImportSummary {
    review
        .import(vec![path.to_path_buf()], false, |_| {})
        .await
        .expect("an import answers")
}

fn zipped(name: &str, csv: &[u8]) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    zip.start_file(
        name,
        zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated),
    )
    .expect("member");
    zip.write_all(csv).expect("write");
    zip.finish().expect("finish");
    out.into_inner()
}

/// The fixture with `edit` applied to its header and rows, as CSV lines.
fn edited(text: &str, edit: impl Fn(Vec<String>) -> Vec<String>) -> String {
    text.lines()
        .map(|line| edit(line.split(',').map(str::to_owned).collect()).join(","))
        .collect::<Vec<_>>()
        .join("\r\n")
        + "\r\n"
}

#[tokio::test]
async fn hostile_files_are_refused_whole_and_the_workspace_stays_usable() {
    let dir = tempfile::tempdir().expect("dir");
    let review = LedgerReview::in_data_dir(dir.path());
    let good = locate::fixture_path(LEDGERS);
    let stored = import(&review, &good).await;
    assert!(stored.failure.is_none(), "{:?}", stored.failure);
    let rows = stored.total_rows;
    assert_eq!(rows, 50);
    let text = std::fs::read_to_string(&good).expect("fixture");
    let header: Vec<String> = text
        .lines()
        .next()
        .expect("header")
        .split(',')
        .map(str::to_owned)
        .collect();

    let mut hostile: Vec<(String, PathBuf, &'static str)> = Vec::new();
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("write");
        path
    };

    // A zip bomb: 64 MiB of zeros after the header, deflated a thousandfold.
    let mut bomb = text.lines().next().expect("header").as_bytes().to_vec();
    bomb.extend_from_slice(b"\r\n");
    bomb.resize(64 << 20, b'0');
    hostile.push((
        "zip bomb".into(),
        write("bomb.zip", &zipped("ledgers.csv", &bomb)),
        "zip bomb",
    ));

    // A forged declared size (4 GiB) over rows with a bad number: read by what it holds, and
    // refused for the number, never for the size it claims.
    let mut forged = zipped(
        "ledgers.csv",
        text.replacen("120.0000", "12O.0000", 1).as_bytes(),
    );
    let at = forged
        .windows(4)
        .rposition(|w| w == [0x50, 0x4b, 0x01, 0x02])
        .expect("central directory");
    forged[at + 24..at + 28].copy_from_slice(&u32::MAX.to_le_bytes());
    hostile.push((
        "forged zip size".into(),
        write("forged.zip", &forged),
        "not a decimal number",
    ));

    // A field of many megabytes in a row's refid (a gigabyte in the long form), written as it
    // streams, so the test does not hold it twice.
    let big = if long() { 1 << 30 } else { 16 << 20 };
    let path = dir.path().join("long-field.csv");
    {
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
        let mut lines = text.lines();
        writeln!(file, "{}\r", lines.next().expect("header")).expect("header");
        let first = lines.next().expect("a row");
        let (txid, rest) = first.split_once(',').expect("fields");
        let (_, rest) = rest.split_once(',').expect("fields");
        write!(file, "{txid},\"").expect("txid");
        let chunk = vec![b'R'; 1 << 20];
        for _ in 0..big >> 20 {
            file.write_all(&chunk).expect("field");
        }
        write!(file, "\",{rest}\r\n").expect("rest");
        for line in lines {
            write!(file, "{line}\r\n").expect("line");
        }
    }
    hostile.push((format!("a {} MiB field", big >> 20), path, "bytes long"));

    // Numbers at Decimal's limit: two of them would overflow any total.
    let limit = "79228162514264337593543950335";
    hostile.push((
        "amounts at Decimal's limit".into(),
        write(
            "huge.csv",
            edited(&text, |mut f| {
                if f.len() == header.len() && !f[0].contains("txid") {
                    let n = f.len();
                    f[n - 3] = limit.to_owned();
                }
                f
            })
            .as_bytes(),
        ),
        "beyond what an export holds",
    ));

    // Each required column missing in turn.
    for column in [
        "txid", "refid", "time", "type", "aclass", "asset", "amount", "fee", "balance",
    ] {
        let quoted = format!("\"{column}\"");
        let drop = header
            .iter()
            .position(|h| *h == quoted)
            .unwrap_or_else(|| panic!("{column} in the header"));
        hostile.push((
            format!("no {column} column"),
            write(
                &format!("no-{column}.csv"),
                edited(&text, |mut f| {
                    f.remove(drop);
                    f
                })
                .as_bytes(),
            ),
            "lacks required column",
        ));
    }

    let mut refused = 0;
    for (what, path, says) in &hostile {
        let summary = import(&review, path).await;
        let failure = summary
            .failure
            .unwrap_or_else(|| panic!("{what} was imported"));
        // The file, or the member of a zip (`export.zip/ledgers.csv`).
        assert!(
            failure.file.starts_with(&path.display().to_string()),
            "{what}: names {}",
            failure.file
        );
        assert!(
            failure.message.contains(says),
            "{what}: the refusal says why: {}",
            failure.message
        );
        assert_eq!(summary.added, 0, "{what}: nothing stored");
        refused += 1;
        // The workspace answers as before.
        let report = review.report().await.expect("the report after a refusal");
        assert_eq!(report.rows, rows, "{what}");
        let page = review
            .page(LedgerFilter::default(), 0, 5)
            .await
            .expect("a page after a refusal");
        assert_eq!(page.total, rows, "{what}");
    }
    // And takes a good file still.
    let again = import(&review, &good).await;
    assert!(again.failure.is_none(), "{:?}", again.failure);
    assert_eq!((again.added, again.total_rows), (0, rows), "already stored");
    eprintln!(
        "faults imports: {} hostile files, {refused} refused with the file, line and column named where there are some, \
         0 rows stored from them, the workspace answering after each",
        hostile.len()
    );
}
