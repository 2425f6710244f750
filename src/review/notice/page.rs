//! `hoi-dap.html`, one self-contained page to publish the
//! questions and the bodies' answers by topic area, with a search box that ignores
//! diacritics and needs no network, printable. Only the text, the place and the date of a
//! submission are published, never the other columns of the file (names, telephones).

use maud::{html, Markup, PreEscaped, DOCTYPE};

use crate::error::Result;
use crate::review::db::Db;

/// Folds text for the page's search (lowercase, no diacritics, đ → d), as the script does.
const SEARCH_JS: &str = r#"
function fold(s){return s.normalize('NFD').replace(/[\u0300-\u036f]/g,'').replace(/đ/g,'d').replace(/Đ/g,'D').toLowerCase();}
document.getElementById('q').addEventListener('input',function(){
  var words=fold(this.value).split(/\s+/).filter(Boolean);var shown=0;
  document.querySelectorAll('.qa').forEach(function(e){
    var t=e.getAttribute('data-folded');var ok=words.every(function(w){return t.indexOf(w)>=0;});
    e.style.display=ok?'':'none';if(ok)shown++;});
  document.querySelectorAll('section').forEach(function(s){
    s.style.display=s.querySelector('.qa:not([style*="none"])')?'':'none';});
  document.getElementById('n').textContent=words.length?shown+' kết quả':'';
});
"#;

const CSS: &str = "body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:auto;padding:1rem;color:#111}\
h1{font-size:1.5rem}h2{border-bottom:2px solid #888;margin-top:2rem}\
.qa{border:1px solid #ccc;border-radius:6px;padding:.6rem .9rem;margin:.8rem 0;break-inside:avoid}\
.q{font-weight:600}.meta{color:#555;font-size:.9rem}.a{margin:.4rem 0 0 1rem;white-space:pre-wrap}\
input{font-size:1rem;padding:.4rem;width:100%;box-sizing:border-box}\
@media print{input,#n{display:none}.qa{border:none;border-bottom:1px solid #ccc}}";

/// The page: every answered submission by topic area, each with every body's answer.
pub fn qa_page(
    db: &Db,
    title: &str,
    topic_name: &dyn Fn(&str) -> String,
    body_name: &dyn Fn(&str) -> String,
) -> Result<String> {
    let answered = db.answered()?;
    let mut sections: Vec<(String, Vec<Markup>)> = Vec::new();
    for (it, answers) in &answered {
        let topic = topic_name(&it.topic);
        if sections.last().is_none_or(|(t, _)| *t != topic) {
            sections.push((topic.clone(), Vec::new()));
        }
        let searchable = std::iter::once(it.text.as_str())
            .chain(answers.iter().map(|(_, a, _)| a.as_str()))
            .chain(std::iter::once(it.locality.as_str()))
            .collect::<Vec<_>>()
            .join(" ");
        let folded = crate::text::fold_lower(&searchable);
        let item = html! {
            div.qa data-folded=(folded) {
                p.q { (it.text) }
                p.meta {
                    (it.code)
                    @if !it.locality.is_empty() { " · " (it.locality) }
                    @if !it.submitted_at.is_empty() { " · " (crate::review::forward::vn_date(&it.submitted_at)) }
                    @if !it.cluster_label.is_empty() { " · nhóm: " (it.cluster_label) }
                }
                @for (body, answer, _) in answers {
                    p.a { b { (body_name(body)) " trả lời: " } (answer) }
                }
            }
        };
        sections.last_mut().expect("pushed above").1.push(item);
    }
    let page = html! {
        (DOCTYPE)
        html lang="vi" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (PreEscaped(CSS)) }
            }
            body {
                h1 { (title) }
                p { (answered.len()) " ý kiến đã được trả lời." }
                input #q type="search" placeholder="Tìm (gõ có dấu hoặc không dấu)" aria-label="Tìm";
                p #n {}
                @for (topic, items) in &sections {
                    section { h2 { (topic) } @for i in items { (i) } }
                }
                script { (PreEscaped(SEARCH_JS)) }
            }
        }
    };
    Ok(page.into_string())
}
