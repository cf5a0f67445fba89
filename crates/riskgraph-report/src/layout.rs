//! The one layout of terminal tables: columns two spaces apart, measured in the columns a
//! terminal gives their text (its display width: two for a CJK ideograph or an emoji, none for a
//! combining mark), so that names in any script line up.
//!
//! Every table the renderers print goes through [`Table`]: the register (fitted to the
//! terminal's width, with coloured levels), the sheets of coverage, the Statement of
//! Applicability, diffs and the catalogs (cells capped at half the width) and the blast-radius
//! tables (whole cells).

use std::borrow::Cow;

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::text::{Newlines, printable};

/// The columns a terminal gives `text`: the sum of its characters' East Asian widths (UAX #11,
/// two for wide and fullwidth characters), with the sequences the `unicode-width` crate knows
/// (an emoji presentation sequence such as `☁️` or a ZWJ sequence such as `👩‍💻` is two
/// columns). Control characters are not expected: [`Table`] makes its cells printable first.
pub fn width(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

/// `text` unchanged if it fits in `max` columns; else a beginning of it followed by `ellipsis`,
/// the two together at most `max` columns wide. The cut falls between two characters, never
/// inside one, and keeps the zero-width characters (combining marks, joiners, variation
/// selectors) that follow the last character kept. The beginning kept is measured a character at
/// a time, checked as a whole: a wide character that would overrun is left out, so the result
/// may be a column narrower than `max`, and a sequence narrower than its characters (a ZWJ emoji
/// sequence such as `👩‍💻`, two columns) may be cut a little short, never too long. When
/// `ellipsis` alone is wider than `max`, the text is cut without one.
pub fn cut<'t>(text: &'t str, max: usize, ellipsis: &str) -> Cow<'t, str> {
    if width(text) <= max {
        return Cow::Borrowed(text);
    }
    if width(ellipsis) > max {
        return cut(text, max, "");
    }
    let room = max - width(ellipsis);
    let mut end = 0;
    let mut used = 0;
    for (at, c) in text.char_indices() {
        used += c.width().unwrap_or(0);
        if used > room {
            break;
        }
        end = at + c.len_utf8();
    }
    // Characters measured one at a time can come out narrower than the sequence they form (an
    // emoji followed by U+FE0F takes two columns, not one): step back, a visible character with
    // the zero-width ones after it at a time, until the cut text fits.
    loop {
        let shown = format!("{}{ellipsis}", &text[..end]);
        if end == 0 || width(&shown) <= max {
            return Cow::Owned(shown);
        }
        end = text[..end]
            .char_indices()
            .rev()
            .find(|&(_, c)| c.width().unwrap_or(0) > 0)
            .map_or(0, |(at, _)| at);
    }
}

/// How a [`Table`] is narrowed to a terminal: columns cut, then columns left out.
#[derive(Debug, Clone, Copy)]
pub struct Fit<'a> {
    /// Columns (display width) per line.
    pub width: usize,
    /// Columns that may be cut, each with the narrowest it may become, in tiers: the widest
    /// column of a tier loses one column at a time, and a tier is cut only when the tiers before
    /// it are as narrow as they go.
    pub flexible: &'a [&'a [(usize, usize)]],
    /// Columns left out, in this order, while the table is too wide even with every flexible
    /// column at its narrowest.
    pub hide: &'a [usize],
    /// Ends a cell cut to its column's width.
    pub ellipsis: &'a str,
}

/// A terminal table: a header and rows of cells laid out in columns two spaces apart, each as
/// wide (in display width, see [`width`]) as its widest cell. Cells are made printable first
/// (control characters become spaces, [`printable`]), so a cell cannot move the cursor or break
/// the line. Columns are left-aligned unless listed in [`Table::right`]; the last column is not
/// padded and lines carry no trailing whitespace.
pub struct Table<'a, R> {
    header: &'a [&'a str],
    rows: &'a [R],
    right: &'a [usize],
    cap: Option<(usize, &'a str)>,
    fit: Option<Fit<'a>>,
}

impl<'a, R: AsRef<[String]>> Table<'a, R> {
    /// `rows` under `header`.
    pub fn new(header: &'a [&'a str], rows: &'a [R]) -> Self {
        Table {
            header,
            rows,
            right: &[],
            cap: None,
            fit: None,
        }
    }

    /// Right-aligns the `columns` (numbers).
    #[must_use]
    pub fn right(mut self, columns: &'a [usize]) -> Self {
        self.right = columns;
        self
    }

    /// Cuts every cell of the rows (not the header) wider than `max` to `max`, ending it with
    /// `ellipsis` ([`cut`]).
    #[must_use]
    pub fn cap(mut self, max: usize, ellipsis: &'a str) -> Self {
        self.cap = Some((max, ellipsis));
        self
    }

    /// Narrows the table to `fit.width`: see [`Fit`].
    #[must_use]
    pub fn fit(mut self, fit: Fit<'a>) -> Self {
        self.fit = Some(fit);
        self
    }

    /// The table as lines of text, each ending with a newline.
    pub fn render(&self) -> String {
        self.render_painted(|_, _, text, line| line.push_str(text))
    }

    /// The table as [`Table::render`] lays it out, with each cell of the rows written into its
    /// line by `paint(row, column, text, line)` (`row` indexes the rows, not counting the
    /// header): to colour a cell with escape sequences that take no columns. The header is
    /// written as it is.
    pub fn render_painted(&self, paint: impl Fn(usize, usize, &str, &mut String)) -> String {
        let n = self
            .rows
            .iter()
            .map(|row| row.as_ref().len())
            .chain([self.header.len()])
            .max()
            .unwrap_or(0);
        let mut widths = vec![0usize; n];
        for (width, cell) in widths.iter_mut().zip(self.header) {
            *width = (*width).max(self::width(&printable(cell, Newlines::Replaced)));
        }
        for row in self.rows {
            for (width, cell) in widths.iter_mut().zip(row.as_ref()) {
                *width = (*width).max(self::width(&self.body_cell(cell)));
            }
        }
        let mut shown = vec![true; n];
        if let Some(fit) = &self.fit {
            fit.apply(&mut widths, &mut shown);
        }
        let last_shown = (0..n).rev().find(|&i| shown[i]).unwrap_or(0);
        let layout = Layout {
            widths: &widths,
            shown: &shown,
            last_shown,
            right: self.right,
            ellipsis: self.fit.map(|fit| fit.ellipsis),
        };
        let mut out = String::new();
        let header = self
            .header
            .iter()
            .map(|cell| printable(cell, Newlines::Replaced));
        layout.line(&mut out, header, |_, text, line| line.push_str(text));
        for (r, row) in self.rows.iter().enumerate() {
            let cells = row.as_ref().iter().map(|cell| self.body_cell(cell));
            layout.line(&mut out, cells, |column, text, line| {
                paint(r, column, text, line);
            });
        }
        out
    }

    /// A cell of the rows, printable and capped.
    fn body_cell<'t>(&self, cell: &'t str) -> Cow<'t, str> {
        let cell = printable(cell, Newlines::Replaced);
        match self.cap {
            Some((max, ellipsis)) if width(&cell) > max => {
                Cow::Owned(cut(&cell, max, ellipsis).into_owned())
            }
            _ => cell,
        }
    }
}

impl Fit<'_> {
    /// Narrows `widths` and clears `shown` where columns are left out: the columns of
    /// [`Fit::hide`] go first, in turn, until the table fits with the flexible columns at their
    /// narrowest; then the flexible columns are cut, tier by tier.
    fn apply(&self, widths: &mut [usize], shown: &mut [bool]) {
        let total = |widths: &[usize], shown: &[bool]| {
            let columns = shown.iter().filter(|&&s| s).count();
            widths
                .iter()
                .zip(shown)
                .filter(|&(_, &s)| s)
                .map(|(w, _)| w)
                .sum::<usize>()
                + 2 * columns.saturating_sub(1)
        };
        let mut narrowest = widths.to_vec();
        for &(column, min) in self.flexible.iter().copied().flatten() {
            if let Some(width) = narrowest.get_mut(column) {
                *width = (*width).min(min);
            }
        }
        for &column in self.hide {
            if total(&narrowest, shown) <= self.width {
                break;
            }
            if let Some(shown) = shown.get_mut(column) {
                *shown = false;
            }
        }
        for tier in self.flexible {
            while total(widths, shown) > self.width {
                let widest = tier
                    .iter()
                    .filter(|&&(column, min)| {
                        shown.get(column) == Some(&true) && widths[column] > min
                    })
                    .max_by_key(|&&(column, _)| (widths[column], std::cmp::Reverse(column)));
                match widest {
                    Some(&(column, _)) => widths[column] -= 1,
                    None => break,
                }
            }
        }
    }
}

/// The column widths and alignments a table's lines share.
struct Layout<'a> {
    widths: &'a [usize],
    shown: &'a [bool],
    last_shown: usize,
    right: &'a [usize],
    /// Cells are cut to their column's width, ending with this, when the table was fitted.
    ellipsis: Option<&'a str>,
}

impl Layout<'_> {
    /// One line of `cells`, each written by `write(column, text, line)`, and a newline.
    fn line<'t>(
        &self,
        out: &mut String,
        cells: impl Iterator<Item = Cow<'t, str>>,
        write: impl Fn(usize, &str, &mut String),
    ) {
        let mut line = String::new();
        let mut first = true;
        for (i, cell) in cells.enumerate() {
            if !self.shown[i] {
                continue;
            }
            if !first {
                line.push_str("  ");
            }
            first = false;
            let text = match self.ellipsis {
                Some(ellipsis) => cut(&cell, self.widths[i], ellipsis),
                None => Cow::Borrowed(&*cell),
            };
            let pad = self.widths[i].saturating_sub(width(&text));
            let right = self.right.contains(&i);
            if right {
                line.extend(std::iter::repeat_n(' ', pad));
            }
            write(i, &text, &mut line);
            if !right && i != self.last_shown {
                line.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use super::{Fit, Table, cut, width};

    fn rows(cells: &[&[&str]]) -> Vec<Vec<String>> {
        cells
            .iter()
            .map(|row| row.iter().map(|&c| c.to_owned()).collect())
            .collect()
    }

    /// The display column at which `needle` starts in `line`.
    fn column_of(line: &str, needle: &str) -> usize {
        width(&line[..line.find(needle).unwrap()])
    }

    #[test]
    fn cjk_and_emoji_cells_align_by_display_width() {
        let rows = rows(&[
            &["東京データセンター", "12", "a"],
            &["🦀 crab", "3", "b"],
            &["☁️ cloud", "456", "c"],
            &["👩‍💻 dev", "7", "d"],
            &["plain", "8", "e"],
        ]);
        let text = Table::new(&["NAME", "N", "TAIL"], &rows)
            .right(&[1])
            .render();
        assert_eq!(
            text,
            "NAME                  N  TAIL\n\
             東京データセンター   12  a\n\
             🦀 crab               3  b\n\
             ☁️ cloud            456  c\n\
             👩‍💻 dev                7  d\n\
             plain                 8  e\n"
        );
        // On every line the last column starts 25 columns in. Counting characters instead would
        // pad `東京データセンター` (9 characters, 18 columns) with 9 spaces too many and push
        // the rest of its row 9 columns to the right.
        let lines: Vec<&str> = text.lines().collect();
        for (line, tail) in lines.iter().zip(["TAIL", "a", "b", "c", "d", "e"]) {
            assert_eq!(column_of(line, &format!("  {tail}")) + 2, 25, "{line}");
        }
        assert!(lines[1].chars().count() != lines[5].chars().count());
    }

    #[test]
    fn cells_are_cut_by_display_width_never_inside_a_character() {
        // 5 ideographs of 2 columns: in 7 columns, 3 of them and the ellipsis.
        assert_eq!(cut("東京都庁舎", 7, "…"), "東京都…");
        // In 6 columns a third ideograph would overrun: 2 of them, 5 columns in all.
        assert_eq!(cut("東京都庁舎", 6, "…"), "東京…");
        assert_eq!(cut("東京都庁舎", 8, "..."), "東京...");
        assert_eq!(cut("東京都庁舎", 10, "…"), "東京都庁舎");
        // A combining mark stays with its letter; an emoji sequence is measured as a whole.
        assert_eq!(cut("cafe\u{301} noir", 6, "…"), "cafe\u{301} …");
        assert_eq!(cut("☁️☁️☁️", 5, "…"), "☁️☁️…");
        // A ZWJ sequence is measured a character at a time (4 columns), so cut a little short.
        assert_eq!(cut("👩‍💻👩‍💻👩‍💻", 5, "…"), "👩‍💻…");
        // Too narrow for the ellipsis: cut without one.
        assert_eq!(cut("東京", 1, "..."), "");
        assert_eq!(cut("abc", 2, "..."), "ab");
        for max in 0..12 {
            for text in ["東京都庁舎", "a東b京c", "🦀🦀 crab", "☁️ cloud"] {
                let shown = cut(text, max, "…");
                assert!(
                    width(&shown) <= max.max(width(text).min(max)),
                    "{text} {max}"
                );
                assert!(
                    text.starts_with(shown.trim_end_matches('…')),
                    "{text} {max}"
                );
            }
        }
    }

    #[test]
    fn capped_cells_are_cut_and_stay_aligned() {
        let rows = rows(&[&["東京都庁舎の長い名前", "x"], &["short", "y"]]);
        let text = Table::new(&["NAME", "V"], &rows).cap(9, "...").render();
        assert_eq!(text, "NAME       V\n東京都...  x\nshort      y\n");
    }

    #[test]
    fn a_fitted_table_cuts_and_hides_columns_by_display_width() {
        let rows = rows(&[
            &["1", "情報システム部長", "オクタ認証基盤サービス", "x"],
            &["2", "IT 管理者 👩‍💻", "Amazon ウェブ サービス", "y"],
        ]);
        let header = ["#", "OWNER", "NAME", "Z"];
        let fit = |width| Fit {
            width,
            flexible: &[&[(1, 6), (2, 8)]],
            hide: &[3],
            ellipsis: "…",
        };
        let text = Table::new(&header, &rows).right(&[0]).fit(fit(30)).render();
        assert_eq!(
            text,
            "#  OWNER        NAME         Z\n\
             1  情報システ…  オクタ認証…  x\n\
             2  IT 管理者 …  Amazon ウ…   y\n"
        );
        assert!(text.lines().all(|line| width(line) <= 30));
        // Narrower than every flexible column at its narrowest: the last column goes.
        let text = Table::new(&header, &rows).right(&[0]).fit(fit(18)).render();
        assert_eq!(
            text,
            "#  OWNER   NAME\n\
             1  情報…   オクタ…\n\
             2  IT 管…  Amazon …\n"
        );
    }

    #[test]
    fn painted_cells_keep_their_alignment() {
        let rows = rows(&[&["東京", "high", "x"], &["a", "low", "y"]]);
        let text =
            Table::new(&["N", "LEVEL", "Z"], &rows).render_painted(|row, column, text, line| {
                if column == 1 {
                    let _ = write!(line, "<{row}>{text}</>");
                } else {
                    line.push_str(text);
                }
            });
        assert_eq!(
            text,
            "N     LEVEL  Z\n東京  <0>high</>   x\na     <1>low</>    y\n"
        );
    }

    #[test]
    fn control_characters_in_cells_are_spaces() {
        let rows = rows(&[&["Okta\u{1b}[31m\tred\r\nnext", "1"]]);
        let text = Table::new(&["NAME", "N"], &rows).render();
        assert_eq!(text, "NAME                 N\nOkta [31m red  next  1\n");
    }
}
