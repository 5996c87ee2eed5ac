//! The export zip: round trip through the `zip` reader, and the same shape as the exchange's (as
//! `support::exchange_zip` builds it from the facts of the owners' zips, which
//! `reference_exports.rs` checks against those zips when they are present).

mod support;

use std::io::{Cursor, Read};

use countersign_ledger::{
    ExportError, ExportKind, ImportProblem, ReadOptions, Timestamp, export_zip, write_ledgers_csv,
};
use support::{fixture, fixture_zip, fixture_zip_created, read_ledgers};
use zip::{CompressionMethod, ZipArchive};

fn archive(bytes: Vec<u8>) -> ZipArchive<Cursor<Vec<u8>>> {
    ZipArchive::new(Cursor::new(bytes)).expect("a zip")
}

#[test]
fn round_trip_through_the_zip_reader() {
    let (layout, rows) = read_ledgers(&fixture("zips/MBWF/ledgers.csv"));
    let mut csv = Vec::new();
    write_ledgers_csv(&rows, layout, &mut csv).expect("write to a Vec");
    let created = fixture_zip_created("MBWF");

    let mut ours = archive(export_zip(ExportKind::Ledgers, &csv, created).expect("zip"));
    assert_eq!(ours.len(), 1);
    let mut member = ours.by_index(0).expect("member");
    assert_eq!(member.name().expect("name"), "ledgers.csv");
    assert_eq!(member.compression(), CompressionMethod::Deflated);
    let mut unzipped = Vec::new();
    member.read_to_end(&mut unzipped).expect("inflate");
    assert_eq!(unzipped, csv);
}

/// Ours and the exchange's (the fixture MBWF.zip, made 2021-02-11 16:45:22, built as the exchange
/// builds them) agree on everything but the deflate stream itself.
#[test]
fn same_shape_as_the_exchanges_zip() {
    let mut theirs = archive(fixture_zip("MBWF"));
    let csv = fixture("zips/MBWF/ledgers.csv");
    let created = fixture_zip_created("MBWF");
    let mut ours = archive(export_zip(ExportKind::Ledgers, &csv, created).expect("zip"));
    assert_eq!(ours.len(), theirs.len());
    assert_eq!(ours.comment(), theirs.comment());

    let theirs = theirs.by_index(0).expect("member");
    let ours = ours.by_index(0).expect("member");
    assert_eq!(ours.name_raw(), theirs.name_raw());
    assert_eq!(ours.name_raw(), b"ledgers.csv");
    assert_eq!(ours.compression(), theirs.compression());
    assert_eq!(ours.size(), theirs.size());
    assert_eq!(ours.crc32(), theirs.crc32());
    assert_eq!(ours.unix_mode(), theirs.unix_mode());
    assert_eq!(ours.unix_mode(), Some(0o100_666));
    assert_eq!(ours.last_modified(), theirs.last_modified());
    assert_eq!(
        ours.extra_data().unwrap_or_default(),
        theirs.extra_data().unwrap_or_default()
    );
    assert_eq!(ours.comment(), theirs.comment());
}

#[test]
fn trades_member_is_named_trades_csv() {
    let created = Timestamp::from_unix_seconds(1_767_225_600).expect("2026-01-01");
    let mut ours = archive(export_zip(ExportKind::Trades, b"\"txid\"\r\n", created).expect("zip"));
    let mut member = ours.by_index(0).expect("member");
    assert_eq!(member.name().expect("name"), "trades.csv");
    let mut unzipped = Vec::new();
    member.read_to_end(&mut unzipped).expect("inflate");
    assert_eq!(unzipped, b"\"txid\"\r\n");
}

#[test]
fn a_time_a_zip_cannot_store_is_refused() {
    let before_1980 = Timestamp::from_unix_seconds(0).expect("epoch");
    assert!(matches!(
        export_zip(ExportKind::Ledgers, b"", before_1980),
        Err(ExportError::TimeOutOfZipRange(_))
    ));
}

/// A zip holding `csv` as `ledgers.csv`, deflated.
fn zipped(csv: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut out = Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    zip.start_file(
        "ledgers.csv",
        zip::write::SimpleFileOptions::default().compression_method(CompressionMethod::Deflated),
    )
    .expect("member");
    zip.write_all(csv).expect("write");
    zip.finish().expect("finish");
    out.into_inner()
}

/// A zip bomb (a member inflating thousands of times) is refused by its ratio with a clear
/// error, before it is read whole.
#[test]
fn a_zip_bomb_is_refused_by_its_ratio() {
    let header = fixture("zips/MBWF/ledgers.csv");
    let first_line = header
        .split(|b| *b == b'\n')
        .next()
        .expect("header")
        .to_vec();
    let mut csv = first_line;
    csv.push(b'\n');
    csv.resize(16 << 20, b'0');
    let bomb = zipped(&csv);
    assert!(
        bomb.len() * 1000 < csv.len(),
        "a bomb: {} bytes",
        bomb.len()
    );
    let err = countersign_ledger::read_export("bomb.zip", &bomb, ReadOptions::default())
        .expect_err("refused");
    match &err.problem {
        ImportProblem::ZipTooLarge { limit, compressed } => {
            let size = |n: usize| u64::try_from(n).expect("a size");
            assert!(
                *compressed <= size(bomb.len()),
                "compressed within the file"
            );
            assert!(*limit < size(csv.len()), "refused before it was read whole");
        }
        other => panic!("refused for another reason: {other:?}"),
    }
    assert!(err.to_string().contains("refused as a zip bomb"), "{err}");
}

/// A member whose header declares a size it does not hold (here 4 GiB) is read by what it
/// inflates to, never by what it declares: no reservation of the forged size, and the file
/// reads as the small export it is.
#[test]
fn a_forged_member_size_is_not_trusted() {
    let csv = fixture("zips/MBWF/ledgers.csv");
    let mut forged = zipped(&csv);
    // The central directory entry (signature PK\1\2) holds the uncompressed size at offset 24.
    let at = forged
        .windows(4)
        .rposition(|w| w == [0x50, 0x4b, 0x01, 0x02])
        .expect("central directory");
    forged[at + 24..at + 28].copy_from_slice(&u32::MAX.to_le_bytes());
    let mut archive = archive(forged.clone());
    assert_eq!(
        archive.by_index(0).expect("member").size(),
        u64::from(u32::MAX)
    );
    match countersign_ledger::read_export("forged.zip", &forged, ReadOptions::default()) {
        Ok(countersign_ledger::Export::Ledgers(file)) => assert!(!file.rows.is_empty()),
        Ok(_) => panic!("read as trades"),
        Err(e) => assert!(
            matches!(
                e.problem,
                ImportProblem::ZipMember(_) | ImportProblem::ZipTooLarge { .. }
            ),
            "{e}"
        ),
    }
}
