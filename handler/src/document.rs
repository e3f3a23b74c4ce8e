//! The case's document as a PDF (`GET /cases/{id}/document.pdf`): the lines of
//! [`forms::document::CaseDocument`] laid out on A4 pages with krilla, in DejaVu Sans embedded
//! as a subset with its ToUnicode map, so that the text can be searched and copied with its
//! Swedish letters. Each character is its glyph, unshaped: enough for the Latin-1 the fonts
//! hold. The fonts are in the binary (`handler/fonts/`, Latin-1 and punctuation); a
//! character they lack is printed as `?`.

use forms::document::{CaseDocument, Line};
use krilla::Document;
use krilla::geom::{PathBuilder, Point};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::text::{Font, GlyphId, KrillaGlyph};

static REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSans-latin1.ttf");
static BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold-latin1.ttf");

// A4 in points, and the layout's measures.
const PAGE_WIDTH: f32 = 595.28;
const PAGE_HEIGHT: f32 = 841.89;
const MARGIN: f32 = 56.0;
const BOTTOM: f32 = PAGE_HEIGHT - MARGIN;
const LABEL_WIDTH: f32 = 165.0;
const GAP: f32 = 10.0;
const BODY: f32 = 10.0;
const LEADING: f32 = 14.0;

/// Why no PDF could be made (a bug or a font that does not load: never the case's content).
#[derive(Debug, thiserror::Error)]
#[error("the document could not be made: {0}")]
pub struct DocumentError(String);

/// The PDF of `doc`.
pub fn pdf(doc: &CaseDocument, footer: &str) -> Result<Vec<u8>, DocumentError> {
    let fonts = Fonts::load().ok_or_else(|| DocumentError("a built-in font".into()))?;
    let pages = Layout::new(&fonts).document(doc);
    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(format!("{} {}", doc.title, footer))
            .language("sv".into())
            .creator("Elanmälan".into()),
    );
    let count = pages.len();
    for (n, ops) in pages.iter().enumerate() {
        let settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT)
            .ok_or_else(|| DocumentError("the page size".into()))?;
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        surface.set_fill(Some(Fill::default()));
        let footer = format!("{footer} · Sida {} av {count}", n + 1);
        let footer =
            Op::Text { x: MARGIN, y: PAGE_HEIGHT - 30.0, size: 8.0, bold: false, text: footer };
        for op in ops.iter().chain([&footer]) {
            match op {
                Op::Text { x, y, size, bold, text } => {
                    let font = if *bold { &fonts.bold } else { &fonts.regular };
                    let glyphs = font.glyphs(text);
                    let at = Point::from_xy(*x, *y);
                    surface.draw_glyphs(at, &glyphs, font.font.clone(), text, *size, false);
                }
                Op::Rule { y } => {
                    let mut path = PathBuilder::new();
                    path.move_to(MARGIN, *y);
                    path.line_to(PAGE_WIDTH - MARGIN, *y);
                    if let Some(path) = path.finish() {
                        surface.set_fill(None);
                        surface.set_stroke(Some(Stroke { width: 0.5, ..Stroke::default() }));
                        surface.draw_path(&path);
                        surface.set_stroke(None);
                        surface.set_fill(Some(Fill::default()));
                    }
                }
            }
        }
        surface.finish();
        page.finish();
    }
    document.finish().map_err(|e| DocumentError(format!("{e:?}")))
}

/// One font: for drawing, and its advances for measuring.
struct Face {
    font: Font,
    data: &'static [u8],
}

impl Face {
    /// `text` as the font's glyphs, one for each character, at their advances: Latin text
    /// needs no shaping (krilla's own, rustybuzz, would add 250 KB to the Lambda zip).
    fn glyphs(&self, text: &str) -> Vec<KrillaGlyph> {
        let Ok(face) = ttf_parser::Face::parse(self.data, 0) else { return Vec::new() };
        let em = f32::from(face.units_per_em());
        text.char_indices()
            .map(|(i, c)| {
                let glyph = face.glyph_index(c).unwrap_or(ttf_parser::GlyphId(0));
                let advance = face.glyph_hor_advance(glyph).map_or(0.0, f32::from) / em;
                let id = GlyphId::new(u32::from(glyph.0));
                KrillaGlyph::new(id, advance, 0.0, 0.0, 0.0, i..i + c.len_utf8(), None)
            })
            .collect()
    }
}

struct Fonts {
    regular: Face,
    bold: Face,
}

impl Fonts {
    fn load() -> Option<Fonts> {
        let face = |data: &'static [u8]| {
            let font = Font::new(data.into(), 0)?;
            ttf_parser::Face::parse(data, 0).ok()?;
            Some(Face { font, data })
        };
        Some(Fonts { regular: face(REGULAR)?, bold: face(BOLD)? })
    }
}

/// What is drawn where on a page (y: the baseline, from the top).
enum Op {
    Text { x: f32, y: f32, size: f32, bold: bool, text: String },
    Rule { y: f32 },
}

/// Lays the document out in pages, breaking lines at the column's width and pages at the foot.
struct Layout<'f> {
    regular: ttf_parser::Face<'f>,
    bold: ttf_parser::Face<'f>,
    pages: Vec<Vec<Op>>,
    y: f32,
}

impl<'f> Layout<'f> {
    fn new(fonts: &'f Fonts) -> Layout<'f> {
        let parse = |face: &Face| ttf_parser::Face::parse(face.data, 0).expect("parsed in load");
        Layout {
            regular: parse(&fonts.regular),
            bold: parse(&fonts.bold),
            pages: vec![Vec::new()],
            y: MARGIN,
        }
    }

    fn document(mut self, doc: &CaseDocument) -> Vec<Vec<Op>> {
        self.block(&doc.title, 20.0, true, MARGIN, PAGE_WIDTH - 2.0 * MARGIN, 26.0);
        self.block(&doc.subtitle, 11.0, false, MARGIN, PAGE_WIDTH - 2.0 * MARGIN, 15.0);
        self.space(6.0);
        self.lines(&doc.facts);
        if !doc.decision.is_empty() {
            self.heading("Nätbolagets beslut");
            self.lines(&doc.decision);
        }
        if let Some(conditions) = &doc.conditions {
            self.heading("Villkor");
            self.block(conditions, BODY, false, MARGIN, PAGE_WIDTH - 2.0 * MARGIN, LEADING);
        }
        for part in &doc.sections {
            self.heading(&part.title);
            self.lines(&part.lines);
        }
        self.pages
    }

    fn heading(&mut self, title: &str) {
        // A heading never stands alone at a page's foot.
        if self.y + 18.0 + 3.0 * LEADING > BOTTOM {
            self.new_page();
        }
        self.space(12.0);
        self.block(title, 13.0, true, MARGIN, PAGE_WIDTH - 2.0 * MARGIN, 16.0);
        let y = self.y + 4.0;
        self.page().push(Op::Rule { y });
        self.space(6.0);
    }

    fn lines(&mut self, lines: &[Line]) {
        let value_x = MARGIN + LABEL_WIDTH + GAP;
        let value_width = PAGE_WIDTH - MARGIN - value_x;
        for line in lines {
            match line {
                Line::Heading(text) => {
                    self.space(4.0);
                    self.block(text, BODY, true, MARGIN, PAGE_WIDTH - 2.0 * MARGIN, LEADING);
                }
                Line::Value { label, value } => {
                    let labels = self.wrap(label, BODY, true, LABEL_WIDTH);
                    let values = self.wrap(value, BODY, false, value_width);
                    for i in 0..labels.len().max(values.len()) {
                        self.advance(LEADING);
                        let y = self.y;
                        if let Some(text) = labels.get(i) {
                            self.text(MARGIN, y, BODY, true, text);
                        }
                        if let Some(text) = values.get(i) {
                            self.text(value_x, y, BODY, false, text);
                        }
                    }
                    self.space(2.0);
                }
            }
        }
    }

    /// Text wrapped at `width` from `x`, one line every `leading`.
    fn block(&mut self, text: &str, size: f32, bold: bool, x: f32, width: f32, leading: f32) {
        for line in self.wrap(text, size, bold, width) {
            self.advance(leading);
            let y = self.y;
            self.text(x, y, size, bold, &line);
        }
    }

    fn text(&mut self, x: f32, y: f32, size: f32, bold: bool, text: &str) {
        if !text.is_empty() {
            self.page().push(Op::Text { x, y, size, bold, text: text.to_string() });
        }
    }

    fn page(&mut self) -> &mut Vec<Op> {
        self.pages.last_mut().expect("a page")
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = MARGIN;
    }

    /// Down by `leading` to the next baseline, on a new page when this one is full.
    fn advance(&mut self, leading: f32) {
        if self.y + leading > BOTTOM {
            self.new_page();
        }
        self.y += leading;
    }

    fn space(&mut self, space: f32) {
        self.y += space;
    }

    fn face(&self, bold: bool) -> &ttf_parser::Face<'f> {
        if bold { &self.bold } else { &self.regular }
    }

    /// The text as the font can print it: a character it lacks becomes `?`, a tab a space.
    fn printable(&self, text: &str) -> String {
        text.chars()
            .map(|c| match c {
                '\t' => ' ',
                '\n' => '\n',
                c if self.regular.glyph_index(c).is_some() => c,
                _ => '?',
            })
            .collect()
    }

    fn width(&self, text: &str, size: f32, bold: bool) -> f32 {
        let face = self.face(bold);
        let units: u32 = text
            .chars()
            .filter_map(|c| face.glyph_index(c))
            .filter_map(|g| face.glyph_hor_advance(g))
            .map(u32::from)
            .sum();
        units as f32 * size / f32::from(face.units_per_em())
    }

    /// `text` in lines no wider than `width`: at its own line breaks, between words, and
    /// within a word longer than a line.
    fn wrap(&self, text: &str, size: f32, bold: bool, width: f32) -> Vec<String> {
        let text = self.printable(text);
        let mut lines = Vec::new();
        for paragraph in text.lines() {
            let mut line = String::new();
            for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
                let joined =
                    if line.is_empty() { word.to_string() } else { format!("{line} {word}") };
                if self.width(&joined, size, bold) <= width {
                    line = joined;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                for c in word.chars() {
                    line.push(c);
                    if self.width(&line, size, bold) > width && line.chars().count() > 1 {
                        line.pop();
                        lines.push(std::mem::replace(&mut line, c.to_string()));
                    }
                }
            }
            lines.push(line);
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_wrapped_within_its_column_and_odd_characters_become_question_marks() {
        let fonts = Fonts::load().expect("the fonts load");
        let layout = Layout::new(&fonts);
        let text = "Åsa Öberg bor på Ängsvägen 12 i Helsingborg och vill ha en större säkring. \
                    Ett_mycket_långt_ord_utan_mellanslag_som_inte_får_plats_på_en_rad_alls";
        let lines = layout.wrap(text, BODY, false, 150.0);
        assert!(lines.len() > 3, "{lines:?}");
        for line in &lines {
            assert!(layout.width(line, BODY, false) <= 150.0, "{line}");
        }
        assert_eq!(lines.concat().replace(' ', ""), text.replace(' ', ""));
        assert_eq!(layout.wrap("Łódź\n☃", BODY, false, 300.0), ["?ód?", "?"]);
    }
}
