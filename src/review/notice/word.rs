//! `thong-bao-ket-luan.docx`: the draft conclusion notice in the layout of an
//! administrative document (Decree 30/2020/NĐ-CP, appendix I): A4, Times New Roman 13-14
//! pt, margins 20/20/30/15 mm; the issuing body and the motto side by side, the number and
//! the date left to fill in, the title, the groups of like questions by topic area with
//! their counts, localities and answers, the recipients and the signature; groups nobody
//! answered yet in an appendix.

use docx_rs::{
    AlignmentType, BreakType, Docx, LineSpacing, PageMargin, Paragraph, Run, RunFonts, Table, TableCell, TableRow,
    WidthType,
};

use super::Group;
use crate::error::{Error, Result};
use crate::routing::Issuer;

/// Twentieths of a point per millimetre.
const TWIPS_PER_MM: f64 = 56.692;

fn mm(x: f64) -> i32 {
    (x * TWIPS_PER_MM).round() as i32
}

/// What the notice says beyond its groups.
pub struct NoticeText<'a> {
    /// The issuer, from the routing profile.
    pub issuer: &'a Issuer,
    /// The dialogue's year.
    pub year: i32,
    /// How many submissions were gathered.
    pub total: usize,
    /// A topic area's name from its code.
    pub topic_name: &'a dyn Fn(&str) -> String,
    /// A body's name from its code.
    pub body_name: &'a dyn Fn(&str) -> String,
}

/// A run of `text`, without the characters XML 1.0 cannot hold (control characters a
/// spreadsheet cell or a form may carry): a document with one would not open.
fn run(text: &str) -> Run {
    let ok = |c: char| matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && !matches!(c, '\u{FFFE}' | '\u{FFFF}'));
    if text.chars().all(ok) {
        Run::new().add_text(text)
    } else {
        Run::new().add_text(text.chars().filter(|&c| ok(c)).collect::<String>())
    }
}

fn centred(r: Run) -> Paragraph {
    Paragraph::new().add_run(r).align(AlignmentType::Center)
}

fn body_par(runs: Vec<Run>) -> Paragraph {
    let mut p = Paragraph::new()
        .align(AlignmentType::Both)
        .indent(None, Some(docx_rs::SpecialIndentType::FirstLine(mm(10.0))), None, None)
        .line_spacing(LineSpacing::new().before(0).after(120));
    for r in runs {
        p = p.add_run(r);
    }
    p
}

/// The header: the issuing body and the number on the left, the motto and the date on
/// the right, as a table without borders.
fn header(t: &NoticeText) -> Table {
    let mut left = TableCell::new().width(mm(62.0) as usize, WidthType::Dxa);
    for (i, line) in t.issuer.body.iter().enumerate() {
        let r = if i + 1 == t.issuer.body.len() { run(line).bold() } else { run(line) };
        left = left.add_paragraph(centred(r.size(26)));
    }
    left = left
        .add_paragraph(centred(run("———").size(20)))
        .add_paragraph(centred(run(&format!("Số:       /{}", t.issuer.symbol)).size(26)));
    let right = TableCell::new()
        .width(mm(103.0) as usize, WidthType::Dxa)
        .add_paragraph(centred(run("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM").bold().size(24)))
        .add_paragraph(
            Paragraph::new().add_run(run("Độc lập - Tự do - Hạnh phúc").bold().size(28)).align(AlignmentType::Center),
        )
        .add_paragraph(centred(run("————————————").size(20)))
        .add_paragraph(
            Paragraph::new()
                .add_run(run(&format!("{}, ngày      tháng      năm {}", t.issuer.place, t.year)).italic().size(28))
                .align(AlignmentType::Center),
        );
    Table::without_borders(vec![TableRow::new(vec![left, right])])
        .set_grid(vec![mm(62.0) as usize, mm(103.0) as usize])
        .width(mm(165.0) as usize, WidthType::Dxa)
        .layout(docx_rs::TableLayoutType::Fixed)
}

fn group_paragraphs(t: &NoticeText, n: usize, g: &Group, answered: bool) -> Vec<Paragraph> {
    let label = if g.label.is_empty() { "Ý kiến khác".to_string() } else { capitalised(&g.label) };
    let mut out = vec![body_par(vec![
        run(&format!("{n}. {label}")).bold(),
        run(&format!(" ({} ý kiến; {})", g.count(), g.localities_line(6))),
    ])];
    out.push(body_par(vec![run("Nội dung: ").italic(), run(&format!("«{}»", g.example))]));
    if answered {
        for a in &g.answers {
            let whom = if a.count < g.count() {
                format!("{} trả lời ({} ý kiến): ", (t.body_name)(&a.body), a.count)
            } else {
                format!("{} trả lời: ", (t.body_name)(&a.body))
            };
            for (i, para) in a.answer.split('\n').filter(|p| !p.trim().is_empty()).enumerate() {
                let mut runs = Vec::new();
                if i == 0 {
                    runs.push(run(&whom).bold());
                }
                runs.push(run(para.trim()));
                out.push(body_par(runs));
            }
        }
    }
    out.push(body_par(vec![run(&format!("Mã theo dõi: {}.", g.codes.join(", "))).size(22).italic()]));
    out
}

/// `s` with its first letter in capitals (cluster labels are written in lowercase).
fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next().map_or(String::new(), |f| f.to_uppercase().chain(c).collect())
}

/// Roman numerals for the sections.
fn roman(n: usize) -> String {
    const R: [(usize, &str); 9] =
        [(100, "C"), (90, "XC"), (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")];
    let mut n = n;
    let mut s = String::new();
    for (v, r) in R {
        while n >= v {
            s.push_str(r);
            n -= v;
        }
    }
    s
}

fn sections(doc: Docx, t: &NoticeText, groups: &[Group], answered: bool) -> Docx {
    let mut doc = doc;
    let (mut section, mut n) = (0, 0);
    for (i, g) in groups.iter().enumerate() {
        if i == 0 || groups[i - 1].topic != g.topic {
            section += 1;
            n = 0;
            let name = (t.topic_name)(&g.topic);
            doc = doc.add_paragraph(
                Paragraph::new()
                    .add_run(run(&format!("{}. {}", roman(section), name.to_uppercase())).bold())
                    .keep_next(true)
                    .line_spacing(LineSpacing::new().before(120).after(120)),
            );
        }
        n += 1;
        for p in group_paragraphs(t, n, g, answered) {
            doc = doc.add_paragraph(p);
        }
    }
    doc
}

/// Writes the notice to `path` as a .docx file (whole, through a temporary file):
/// `answered` groups in the body, `open` (not answered yet) in the appendix.
pub fn write_notice(path: &std::path::Path, t: &NoticeText, answered: &[Group], open: &[Group]) -> Result<()> {
    let answered_n: usize = answered.iter().map(Group::count).sum();
    let open_n: usize = open.iter().map(Group::count).sum();
    let mut doc =
        Docx::new()
            .page_size(11_906, 16_838)
            .page_margin(
                PageMargin::new().top(mm(20.0)).bottom(mm(20.0)).left(mm(30.0)).right(mm(15.0)).header(mm(10.0)),
            )
            .default_fonts(RunFonts::new().ascii("Times New Roman").hi_ansi("Times New Roman").cs("Times New Roman"))
            .default_size(28)
            .add_table(header(t))
            .add_paragraph(Paragraph::new())
            .add_paragraph(centred(run("THÔNG BÁO").bold()))
            .add_paragraph(
                Paragraph::new()
                    .add_run(
                        run(&format!(
                            "Kết luận của {} tại Hội nghị đối thoại với thanh niên năm {}",
                            t.issuer.chair, t.year
                        ))
                        .bold(),
                    )
                    .align(AlignmentType::Center),
            )
            .add_paragraph(centred(run("————————").size(20)))
            .add_paragraph(body_par(vec![run(&format!(
            "Thực hiện Luật Thanh niên năm 2020 và Nghị định số 13/2021/NĐ-CP ngày 01/3/2021 của Chính phủ quy định \
             việc đối thoại với thanh niên, ngày      tháng      năm {}, {} chủ trì Hội nghị đối thoại với thanh niên. \
             Các ý kiến, kiến nghị của thanh niên gồm {} ý kiến, được tổng hợp thành các nhóm vấn đề dưới đây; \
             {} ý kiến đã được các cơ quan, đơn vị trả lời{}.",
            t.year,
            t.issuer.chair,
            t.total,
            answered_n,
            if open_n > 0 { format!(", {open_n} ý kiến đang chờ trả lời (Phụ lục)") } else { String::new() }
        ))]))
            .add_paragraph(body_par(vec![run(&format!("{} kết luận như sau:", t.issuer.chair))]));
    doc = sections(doc, t, answered, true);
    doc = doc.add_paragraph(body_par(vec![run(
        "Giao các sở, ban, ngành và địa phương theo chức năng, nhiệm vụ tiếp tục thực hiện nội dung đã trả lời; \
         Sở Nội vụ theo dõi, đôn đốc và tổng hợp, báo cáo kết quả thực hiện.",
    )]));
    doc = doc.add_table(footer(t));
    if !open.is_empty() {
        doc = doc
            .add_paragraph(Paragraph::new().add_run(Run::new().add_break(BreakType::Page)))
            .add_paragraph(centred(run("PHỤ LỤC").bold()))
            .add_paragraph(
                Paragraph::new()
                    .add_run(run(&format!("Các nhóm ý kiến chưa được trả lời ({open_n} ý kiến)")).bold())
                    .align(AlignmentType::Center),
            )
            .add_paragraph(
                Paragraph::new()
                    .add_run(run(&format!("(Kèm theo Thông báo số       /{})", t.issuer.symbol)).italic())
                    .align(AlignmentType::Center),
            );
        doc = sections(doc, t, open, false);
    }
    let mut buf = std::io::Cursor::new(Vec::new());
    doc.build().pack(&mut buf).map_err(|e| Error::io(path, std::io::Error::other(e)))?;
    crate::output::write_atomic(path, &buf.into_inner())
}

/// Recipients on the left (12 pt), the signature block on the right.
fn footer(t: &NoticeText) -> Table {
    let mut left = TableCell::new()
        .width(mm(80.0) as usize, WidthType::Dxa)
        .add_paragraph(Paragraph::new().add_run(run("Nơi nhận:").bold().italic().size(24)));
    for r in &t.issuer.recipients {
        left = left.add_paragraph(Paragraph::new().add_run(run(&format!("- {r}")).size(22)));
    }
    let mut right = TableCell::new().width(mm(85.0) as usize, WidthType::Dxa);
    for s in &t.issuer.signer {
        right = right.add_paragraph(centred(run(s).bold()));
    }
    for _ in 0..3 {
        right = right.add_paragraph(Paragraph::new());
    }
    Table::without_borders(vec![TableRow::new(vec![left, right])])
        .set_grid(vec![mm(80.0) as usize, mm(85.0) as usize])
        .width(mm(165.0) as usize, WidthType::Dxa)
        .layout(docx_rs::TableLayoutType::Fixed)
}

#[cfg(test)]
mod tests {
    #[test]
    fn characters_xml_cannot_hold_are_left_out() {
        let xml = |r: docx_rs::Run| String::from_utf8(docx_rs::BuildXML::build(&r)).unwrap();
        let x = xml(super::run("Sở\u{1}trả\u{b} lời\u{FFFF} <ngay>"));
        assert!(x.contains("Sởtrả lời &lt;ngay&gt;"), "{x}");
    }

    #[test]
    fn sections_are_numbered_in_roman() {
        assert_eq!(super::roman(1), "I");
        assert_eq!(super::roman(4), "IV");
        assert_eq!(super::roman(9), "IX");
        assert_eq!(super::roman(14), "XIV");
    }
}
