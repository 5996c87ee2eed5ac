//! The exchange's asset codes: [`normalize`] reads any spelling an export or the API uses into an
//! [`AssetCode`]; [`legacy_name`] and [`altname`] give the spellings the exchange itself uses.
//!
//! The exchange names older assets with an `X` (crypto) or `Z` (fiat) prefix (`XXBT`, `ZUSD`),
//! calls bitcoin `XBT` and dogecoin `XDG`, and newer exports and assets use plain codes (`BTC`,
//! `GBP`, `USDT`). The prefix is not a rule: `XTZ`, `ZRX` and `XAUT` are real codes, so only the
//! codes in one table are translated. A suffix marks a balance held apart from the spot one
//! (`DOT.S`, `XBT.M`, `USD.HOLD`), and on-chain staking with a bonding period carries the period in
//! days before it (`DOT28.S`).

/// The legacy codes: (exchange key, its altname, the plain code). The keys and altnames are the
/// ones the exchange's Assets endpoint reports; `XICN` is delisted and appears in old ledgers.
const LEGACY: &[(&str, &str, &str)] = &[
    ("XXBT", "XBT", "BTC"),
    ("XXDG", "XDG", "DOGE"),
    ("XETH", "ETH", "ETH"),
    ("XLTC", "LTC", "LTC"),
    ("XXRP", "XRP", "XRP"),
    ("XXLM", "XLM", "XLM"),
    ("XETC", "ETC", "ETC"),
    ("XXMR", "XMR", "XMR"),
    ("XZEC", "ZEC", "ZEC"),
    ("XMLN", "MLN", "MLN"),
    ("XREP", "REP", "REP"),
    ("XICN", "ICN", "ICN"),
    ("ZUSD", "USD", "USD"),
    ("ZEUR", "EUR", "EUR"),
    ("ZGBP", "GBP", "GBP"),
    ("ZJPY", "JPY", "JPY"),
    ("ZCAD", "CAD", "CAD"),
    ("ZAUD", "AUD", "AUD"),
];

/// What a suffix says about a balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AssetSuffix {
    /// `.S`: staked on-chain (with a bonding period in days when one precedes it: `DOT28.S`).
    Staked,
    /// `.M`: opted in to rewards.
    OptInRewards,
    /// `.P`: bonded to a parachain.
    Parachain,
    /// `.B`: in a yield-bearing product.
    YieldBearing,
    /// `.F`: earning automatically in the exchange's rewards.
    AutoEarn,
    /// `.T`: a tokenized asset.
    Tokenized,
    /// `.HOLD`: held, not available.
    Hold,
}

impl AssetSuffix {
    const ALL: [Self; 7] = [
        Self::Staked,
        Self::OptInRewards,
        Self::Parachain,
        Self::YieldBearing,
        Self::AutoEarn,
        Self::Tokenized,
        Self::Hold,
    ];

    /// The suffix as written, with its dot.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Staked => ".S",
            Self::OptInRewards => ".M",
            Self::Parachain => ".P",
            Self::YieldBearing => ".B",
            Self::AutoEarn => ".F",
            Self::Tokenized => ".T",
            Self::Hold => ".HOLD",
        }
    }
}

/// An asset code read apart: which asset, and which kind of balance of it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AssetCode {
    /// The code as it was given (`XXBT`, `XBT.M`, `DOT28.S`).
    pub original: String,
    /// The asset by its plain code (`BTC`, `DOT`); the whole original if a suffix was not
    /// understood.
    pub base: String,
    /// Bonding period in days of a staked balance (`28` in `DOT28.S`).
    pub bonding_days: Option<u8>,
    pub suffix: Option<AssetSuffix>,
}

impl AssetCode {
    /// The code with a plain base, the rest as given: `BTC.M` for `XBT.M`, `DOT28.S`.
    pub fn normalized(&self) -> String {
        let mut out = self.base.clone();
        if let Some(days) = self.bonding_days {
            out.push_str(&format!("{days:02}"));
        }
        if let Some(suffix) = self.suffix {
            out.push_str(suffix.as_str());
        }
        out
    }
}

/// Reads an asset code in any of the exchange's spellings: `XXBT`, `XBT` and `BTC` are all
/// bitcoin. Never fails: a code it does not know is its own base (`KFEE`, `XTZ`, `NEWCOIN`).
pub fn normalize(code: &str) -> AssetCode {
    let (stem, suffix) = split_suffix(code);
    let (stem, bonding_days) = match suffix {
        Some(AssetSuffix::Staked) => split_bonding_days(stem),
        _ => (stem, None),
    };
    let base = LEGACY
        .iter()
        .find(|&&(key, alt, _)| key == stem || alt == stem)
        .map_or(stem, |&(_, _, plain)| plain);
    AssetCode {
        original: code.to_owned(),
        base: base.to_owned(),
        bonding_days,
        suffix,
    }
}

/// The exchange's key for a plain asset code, as its API and older exports name it: `XXBT` for
/// `BTC`, `ZUSD` for `USD`; codes without a legacy key (`USDT`, `SOL`, `DOT`) are returned as they
/// are. Takes a code without suffix: the exchange spells suffixed balances with the [`altname`]
/// (`XBT.M`).
pub fn legacy_name(code: &str) -> &str {
    LEGACY
        .iter()
        .find(|&&(key, alt, plain)| plain == code || alt == code || key == code)
        .map_or(code, |&(key, _, _)| key)
}

/// The exchange's altname for an asset code: `XBT` for bitcoin, `XDG` for dogecoin, the plain
/// code otherwise (`ETH` for `XETH`, `USDT` for `USDT`).
pub fn altname(code: &str) -> &str {
    LEGACY
        .iter()
        .find(|&&(key, alt, plain)| plain == code || alt == code || key == code)
        .map_or(code, |&(_, alt, _)| alt)
}

/// Splits a known suffix off `code`; an unknown one stays part of the stem.
fn split_suffix(code: &str) -> (&str, Option<AssetSuffix>) {
    AssetSuffix::ALL
        .into_iter()
        .find_map(|suffix| {
            code.strip_suffix(suffix.as_str())
                .filter(|stem| !stem.is_empty())
                .map(|stem| (stem, Some(suffix)))
        })
        .unwrap_or((code, None))
}

/// Splits a bonding period off a staked stem: exactly two digits after a letter (`DOT28`,
/// `KSM07`). One digit is part of the name (`ETH2` in `ETH2.S`).
fn split_bonding_days(stem: &str) -> (&str, Option<u8>) {
    let bytes = stem.as_bytes();
    let n = bytes.len();
    if n >= 3
        && bytes[n - 1].is_ascii_digit()
        && bytes[n - 2].is_ascii_digit()
        && !bytes[n - 3].is_ascii_digit()
    {
        let (name, days) = stem.split_at(n - 2);
        if let Ok(days) = days.parse() {
            return (name, Some(days));
        }
    }
    (stem, None)
}

#[cfg(test)]
mod tests {
    use super::AssetSuffix::*;
    use super::*;

    /// (code, base, bonding days, suffix, normalized)
    type NormalizeRow = (
        &'static str,
        &'static str,
        Option<u8>,
        Option<AssetSuffix>,
        &'static str,
    );

    #[test]
    fn normalize_row_by_row() {
        let rows: &[NormalizeRow] = &[
            ("XXBT", "BTC", None, None, "BTC"),
            ("XBT", "BTC", None, None, "BTC"),
            ("BTC", "BTC", None, None, "BTC"),
            ("ZUSD", "USD", None, None, "USD"),
            ("USD", "USD", None, None, "USD"),
            ("XETH", "ETH", None, None, "ETH"),
            ("XXDG", "DOGE", None, None, "DOGE"),
            ("XDG", "DOGE", None, None, "DOGE"),
            ("ZEUR", "EUR", None, None, "EUR"),
            ("ZGBP", "GBP", None, None, "GBP"),
            ("ZJPY", "JPY", None, None, "JPY"),
            ("ZCAD", "CAD", None, None, "CAD"),
            ("XLTC", "LTC", None, None, "LTC"),
            ("XXRP", "XRP", None, None, "XRP"),
            ("XXLM", "XLM", None, None, "XLM"),
            ("XXMR", "XMR", None, None, "XMR"),
            ("XMLN", "MLN", None, None, "MLN"),
            ("XREP", "REP", None, None, "REP"),
            ("XICN", "ICN", None, None, "ICN"),
            ("KFEE", "KFEE", None, None, "KFEE"),
            ("XTZ", "XTZ", None, None, "XTZ"),
            ("ZRX", "ZRX", None, None, "ZRX"),
            ("XAUT", "XAUT", None, None, "XAUT"),
            ("USDT", "USDT", None, None, "USDT"),
            ("DOT", "DOT", None, None, "DOT"),
            ("1INCH", "1INCH", None, None, "1INCH"),
            ("DOT.S", "DOT", None, Some(Staked), "DOT.S"),
            ("DOT28.S", "DOT", Some(28), Some(Staked), "DOT28.S"),
            ("KSM07.S", "KSM", Some(7), Some(Staked), "KSM07.S"),
            ("FLOW14.S", "FLOW", Some(14), Some(Staked), "FLOW14.S"),
            ("ETH2.S", "ETH2", None, Some(Staked), "ETH2.S"),
            ("XTZ.S", "XTZ", None, Some(Staked), "XTZ.S"),
            ("XBT.M", "BTC", None, Some(OptInRewards), "BTC.M"),
            ("XXBT.M", "BTC", None, Some(OptInRewards), "BTC.M"),
            ("DOT.P", "DOT", None, Some(Parachain), "DOT.P"),
            ("USDC.B", "USDC", None, Some(YieldBearing), "USDC.B"),
            ("USDT.F", "USDT", None, Some(AutoEarn), "USDT.F"),
            ("ETH.F", "ETH", None, Some(AutoEarn), "ETH.F"),
            ("AAPL.T", "AAPL", None, Some(Tokenized), "AAPL.T"),
            ("USD.HOLD", "USD", None, Some(Hold), "USD.HOLD"),
            ("ZEUR.HOLD", "EUR", None, Some(Hold), "EUR.HOLD"),
            // Days only mean a bonding period on a staked balance.
            ("ABC28.M", "ABC28", None, Some(OptInRewards), "ABC28.M"),
            // An unknown suffix is not split off; neither is a bare suffix.
            ("DOT.X", "DOT.X", None, None, "DOT.X"),
            (".S", ".S", None, None, ".S"),
            ("", "", None, None, ""),
        ];
        for &(code, base, days, suffix, normalized) in rows {
            let got = normalize(code);
            assert_eq!(got.original, code, "{code}");
            assert_eq!(got.base, base, "{code}");
            assert_eq!(got.bonding_days, days, "{code}");
            assert_eq!(got.suffix, suffix, "{code}");
            assert_eq!(got.normalized(), normalized, "{code}");
        }
    }

    #[test]
    fn legacy_name_and_altname_row_by_row() {
        // (code, legacy name, altname)
        let rows: &[(&str, &str, &str)] = &[
            ("BTC", "XXBT", "XBT"),
            ("XBT", "XXBT", "XBT"),
            ("XXBT", "XXBT", "XBT"),
            ("ETH", "XETH", "ETH"),
            ("USD", "ZUSD", "USD"),
            ("EUR", "ZEUR", "EUR"),
            ("DOGE", "XXDG", "XDG"),
            ("XDG", "XXDG", "XDG"),
            ("LTC", "XLTC", "LTC"),
            ("XRP", "XXRP", "XRP"),
            ("XLM", "XXLM", "XLM"),
            ("GBP", "ZGBP", "GBP"),
            ("JPY", "ZJPY", "JPY"),
            ("CAD", "ZCAD", "CAD"),
            ("USDT", "USDT", "USDT"),
            ("SOL", "SOL", "SOL"),
            ("DOT", "DOT", "DOT"),
            ("XTZ", "XTZ", "XTZ"),
            ("KFEE", "KFEE", "KFEE"),
        ];
        for &(code, legacy, alt) in rows {
            assert_eq!(legacy_name(code), legacy, "legacy_name({code})");
            assert_eq!(altname(code), alt, "altname({code})");
            assert_eq!(normalize(legacy).base, normalize(code).base, "{code}");
        }
    }
}
