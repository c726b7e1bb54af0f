//! The bulletin template language: plain text the command office can edit, with figure
//! placeholders, conditions and tables.
//!
//! ```text
//! # 一、疫情防控工作                          a heading (## for the second level)
//! 截至{date}，{area}累计排查{epidemic.screenings}人次（较上日{epidemic.screenings|day}）。
//! {if epidemic.positives_today > 0}今日新增阳性{epidemic.positives_today}例。{else}今日无新增阳性。{end}
//! {table economy.enterprises_resumed, economy.resumption_rate}
//! ```
//!
//! Every other line is a paragraph. `{KEY}` is a figure's value for the bulletin's area and day,
//! `{KEY|day}` and `{KEY|week}` its change from the day and the week before (环比, with an
//! arrow), `{KEY|unit}` the value with its unit; `{date}` and `{area}` the bulletin's day (official
//! form) and area. `{if KEY OP NUMBER}` … `{else}` … `{end}` (OP one of `> >= < <= == !=`) may
//! span lines and nest. `{table KEY, …}`, alone on its line, is a table of those figures by
//! direct sub-area with a total row. `{{` and `}}` are literal braces. A key no module registers
//! is not an error — its module may come later — it renders as unavailable.

use std::fmt;

/// A parsed template: the nodes of its body.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    pub nodes: Vec<Node>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Text(String),
    /// The end of a line.
    Newline,
    Value(Placeholder),
    If {
        cond: Condition,
        then: Vec<Node>,
        otherwise: Vec<Node>,
    },
    /// A table of figures by sub-area; alone on its line.
    Table(Vec<String>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Placeholder {
    Date,
    Area,
    Figure { key: String, show: Show },
}

/// What of a figure a placeholder shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Show {
    Value,
    WithUnit,
    DayChange,
    WeekChange,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub key: String,
    pub op: Op,
    pub number: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Gt,
    Ge,
    Lt,
    Le,
    Eq,
    Ne,
}

impl Op {
    pub fn holds(self, left: f64, right: f64) -> bool {
        match self {
            Op::Gt => left > right,
            Op::Ge => left >= right,
            Op::Lt => left < right,
            Op::Le => left <= right,
            Op::Eq => (left - right).abs() < 1e-9,
            Op::Ne => (left - right).abs() >= 1e-9,
        }
    }
}

/// A template error: its catalog key, the line it is on (1-based) and the offending text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    pub key: &'static str,
    pub line: usize,
    pub text: String,
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {} ({})", self.line, self.key, self.text)
    }
}

impl std::error::Error for TemplateError {}

/// The longest template accepted, in bytes.
pub const MAX_LEN: usize = 64 * 1024;

impl Template {
    pub fn parse(body: &str) -> Result<Template, TemplateError> {
        if body.len() > MAX_LEN {
            return Err(TemplateError {
                key: "bulletin.error.too_long",
                line: 1,
                text: String::new(),
            });
        }
        let tokens = tokenize(body)?;
        let mut pos = 0;
        let nodes = build(&tokens, &mut pos, false)?;
        Ok(Template { nodes })
    }

    /// Every figure key the template names, in order of first appearance.
    pub fn figure_keys(&self) -> Vec<String> {
        fn add(out: &mut Vec<String>, k: &String) {
            if !out.contains(k) {
                out.push(k.clone());
            }
        }
        fn walk(nodes: &[Node], out: &mut Vec<String>) {
            for node in nodes {
                match node {
                    Node::Value(Placeholder::Figure { key, .. }) => add(out, key),
                    Node::If {
                        cond,
                        then,
                        otherwise,
                    } => {
                        add(out, &cond.key);
                        walk(then, out);
                        walk(otherwise, out);
                    }
                    Node::Table(keys) => keys.iter().for_each(|k| add(out, k)),
                    _ => {}
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.nodes, &mut out);
        out
    }
}

#[derive(Debug)]
enum Token {
    Text(String),
    Newline,
    Value(Placeholder),
    If(Condition, usize),
    Else(usize),
    End(usize),
    Table(Vec<String>, usize),
}

fn err(key: &'static str, line: usize, text: &str) -> TemplateError {
    TemplateError {
        key,
        line,
        text: text.chars().take(80).collect(),
    }
}

fn tokenize(body: &str) -> Result<Vec<Token>, TemplateError> {
    let mut tokens = Vec::new();
    let mut text = String::new();
    let mut line = 1;
    let mut chars = body.chars().peekable();
    let flush = |text: &mut String, tokens: &mut Vec<Token>| {
        if !text.is_empty() {
            tokens.push(Token::Text(std::mem::take(text)));
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '\r' => {}
            '\n' => {
                flush(&mut text, &mut tokens);
                tokens.push(Token::Newline);
                line += 1;
            }
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                text.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                text.push('}');
            }
            '}' => return Err(err("bulletin.error.stray_brace", line, "}")),
            '{' => {
                let mut inner = String::new();
                let mut closed = false;
                for c in chars.by_ref() {
                    match c {
                        '}' => {
                            closed = true;
                            break;
                        }
                        '\n' | '{' => break,
                        c => inner.push(c),
                    }
                }
                if !closed {
                    return Err(err("bulletin.error.unclosed", line, &format!("{{{inner}")));
                }
                flush(&mut text, &mut tokens);
                tokens.push(directive(inner.trim(), line)?);
            }
            c => text.push(c),
        }
    }
    flush(&mut text, &mut tokens);
    Ok(tokens)
}

fn directive(inner: &str, line: usize) -> Result<Token, TemplateError> {
    let shown = format!("{{{inner}}}");
    if let Some(rest) = inner.strip_prefix("if ") {
        return Ok(Token::If(condition(rest.trim(), line, &shown)?, line));
    }
    if let Some(rest) = inner.strip_prefix("table ") {
        let keys: Vec<String> = rest
            .split([',', '，'])
            .map(|k| k.trim().to_string())
            .collect();
        if keys.is_empty() || keys.iter().any(|k| !is_key(k)) {
            return Err(err("bulletin.error.bad_table", line, &shown));
        }
        return Ok(Token::Table(keys, line));
    }
    match inner {
        "else" => return Ok(Token::Else(line)),
        "end" => return Ok(Token::End(line)),
        "date" => return Ok(Token::Value(Placeholder::Date)),
        "area" => return Ok(Token::Value(Placeholder::Area)),
        _ => {}
    }
    let (key, show) = match inner.split_once('|') {
        None => (inner, Show::Value),
        Some((key, modifier)) => (
            key.trim(),
            match modifier.trim() {
                "day" => Show::DayChange,
                "week" => Show::WeekChange,
                "unit" => Show::WithUnit,
                _ => return Err(err("bulletin.error.bad_modifier", line, &shown)),
            },
        ),
    };
    if !is_key(key) {
        return Err(err("bulletin.error.bad_placeholder", line, &shown));
    }
    Ok(Token::Value(Placeholder::Figure {
        key: key.to_string(),
        show,
    }))
}

fn condition(text: &str, line: usize, shown: &str) -> Result<Condition, TemplateError> {
    let bad = || err("bulletin.error.bad_condition", line, shown);
    let parts: Vec<&str> = text.split_whitespace().collect();
    let [key, op, number] = parts[..] else {
        return Err(bad());
    };
    let op = match op {
        ">" => Op::Gt,
        ">=" => Op::Ge,
        "<" => Op::Lt,
        "<=" => Op::Le,
        "==" => Op::Eq,
        "!=" => Op::Ne,
        _ => return Err(bad()),
    };
    let number: f64 = number.parse().map_err(|_| bad())?;
    if !is_key(key) || !number.is_finite() {
        return Err(bad());
    }
    Ok(Condition {
        key: key.to_string(),
        op,
        number,
    })
}

/// A figure key: `module.name` or `module.name.part` (`economy.ppe_output.masks`), of
/// lowercase ASCII letters, digits and underscores.
fn is_key(k: &str) -> bool {
    let parts: Vec<&str> = k.split('.').collect();
    (2..=3).contains(&parts.len())
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        })
}

/// Builds nodes until the end of input (top level) or an `{else}`/`{end}` (inside an `if`),
/// which it leaves at `pos` for the caller.
fn build(tokens: &[Token], pos: &mut usize, nested: bool) -> Result<Vec<Node>, TemplateError> {
    let mut nodes = Vec::new();
    while let Some(token) = tokens.get(*pos) {
        match token {
            Token::Text(t) => nodes.push(Node::Text(t.clone())),
            Token::Newline => nodes.push(Node::Newline),
            Token::Value(p) => nodes.push(Node::Value(p.clone())),
            Token::Table(keys, line) => {
                let alone = matches!(nodes.last(), None | Some(Node::Newline))
                    && matches!(tokens.get(*pos + 1), None | Some(Token::Newline));
                if !alone {
                    return Err(err("bulletin.error.table_alone", *line, "{table …}"));
                }
                nodes.push(Node::Table(keys.clone()));
            }
            Token::Else(line) | Token::End(line) => {
                if nested {
                    return Ok(nodes);
                }
                let text = if matches!(token, Token::Else(_)) {
                    "{else}"
                } else {
                    "{end}"
                };
                return Err(err("bulletin.error.unmatched", *line, text));
            }
            Token::If(cond, line) => {
                *pos += 1;
                let then = build(tokens, pos, true)?;
                let otherwise = match tokens.get(*pos) {
                    Some(Token::Else(_)) => {
                        *pos += 1;
                        let otherwise = build(tokens, pos, true)?;
                        match tokens.get(*pos) {
                            Some(Token::End(_)) => otherwise,
                            _ => return Err(err("bulletin.error.unclosed_if", *line, "{if …}")),
                        }
                    }
                    Some(Token::End(_)) => Vec::new(),
                    _ => return Err(err("bulletin.error.unclosed_if", *line, "{if …}")),
                };
                nodes.push(Node::If {
                    cond: cond.clone(),
                    then,
                    otherwise,
                });
            }
        }
        *pos += 1;
    }
    // At the end inside an `if`, the caller finds no `{end}` and reports the `if`'s line.
    Ok(nodes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figure(key: &str, show: Show) -> Node {
        Node::Value(Placeholder::Figure {
            key: key.into(),
            show,
        })
    }

    #[test]
    fn placeholders_conditions_and_tables_parse() {
        let t = Template::parse(
            "# 一、疫情\n截至{date}，{area}排查{epidemic.screenings}人次（{epidemic.screenings|day}）\n{if economy.resumption_rate >= 90}好{else}差{end}\n{table economy.a, economy.b}\n{{字面}}",
        )
        .unwrap();
        assert_eq!(t.nodes[0], Node::Text("# 一、疫情".into()));
        assert_eq!(t.nodes[3], Node::Value(Placeholder::Date));
        assert_eq!(t.nodes[7], figure("epidemic.screenings", Show::Value));
        assert_eq!(t.nodes[9], figure("epidemic.screenings", Show::DayChange));
        assert_eq!(
            t.nodes[12],
            Node::If {
                cond: Condition {
                    key: "economy.resumption_rate".into(),
                    op: Op::Ge,
                    number: 90.0
                },
                then: vec![Node::Text("好".into())],
                otherwise: vec![Node::Text("差".into())],
            }
        );
        assert_eq!(
            t.nodes[14],
            Node::Table(vec!["economy.a".into(), "economy.b".into()])
        );
        assert_eq!(t.nodes[16], Node::Text("{字面}".into()));
        assert_eq!(
            t.figure_keys(),
            [
                "epidemic.screenings",
                "economy.resumption_rate",
                "economy.a",
                "economy.b"
            ]
        );
    }

    #[test]
    fn conditions_nest_and_span_lines() {
        let t = Template::parse("{if a.b > 0}\n甲{if c.d < 1}乙{end}\n{end}").unwrap();
        let Node::If {
            then, otherwise, ..
        } = &t.nodes[0]
        else {
            panic!("{:?}", t.nodes)
        };
        assert!(otherwise.is_empty());
        assert!(matches!(then[2], Node::If { .. }));
    }

    #[test]
    fn mistakes_name_their_line() {
        let cases = [
            ("好\n{epidemic.x", "bulletin.error.unclosed", 2),
            ("好}", "bulletin.error.stray_brace", 1),
            ("\n\n{if a.b > x}y{end}", "bulletin.error.bad_condition", 3),
            ("{if a.b ~ 1}y{end}", "bulletin.error.bad_condition", 1),
            ("\n{if a.b > 1}y", "bulletin.error.unclosed_if", 2),
            ("{if a.b > 1}y{else}z", "bulletin.error.unclosed_if", 1),
            ("y{end}", "bulletin.error.unmatched", 1),
            ("\n{else}", "bulletin.error.unmatched", 2),
            ("{a.b|month}", "bulletin.error.bad_modifier", 1),
            ("{Screenings}", "bulletin.error.bad_placeholder", 1),
            ("{a.b.c.d}", "bulletin.error.bad_placeholder", 1),
            ("{a..b}", "bulletin.error.bad_placeholder", 1),
            ("见下表{table a.b}", "bulletin.error.table_alone", 1),
            ("{table a.b, }", "bulletin.error.bad_table", 1),
        ];
        for (body, key, line) in cases {
            let e = Template::parse(body).unwrap_err();
            assert_eq!((e.key, e.line), (key, line), "{body}");
        }
        assert_eq!(
            Template::parse(&"字".repeat(MAX_LEN)).unwrap_err().key,
            "bulletin.error.too_long"
        );
    }

    #[test]
    fn operators_compare() {
        assert!(Op::Gt.holds(2.0, 1.0) && !Op::Gt.holds(1.0, 1.0));
        assert!(Op::Ge.holds(1.0, 1.0) && Op::Le.holds(1.0, 1.0));
        assert!(Op::Lt.holds(0.0, 1.0) && Op::Eq.holds(0.1 + 0.2, 0.3));
        assert!(Op::Ne.holds(1.0, 2.0) && !Op::Ne.holds(2.0, 2.0));
    }
}
