//! Element-wise arithmetic expressions over node inputs, such as
//! `a / b * 2` or `log10(a - c) + 1`: parsed once, evaluated with NumPy-style
//! broadcasting. The parser never panics on bad text (fuzzed).

use std::sync::Arc;

use ndarray::{ArrayD, IxDyn};

use super::value::{NodeError, Value};

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Num(f64),
    /// Input `a`, `b`, `c` or `d`.
    Var(usize),
    Neg(Box<Expr>),
    Bin(char, Box<Expr>, Box<Expr>),
    Call(Func, Box<Expr>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    Sqrt,
    Log,
    Log10,
    Exp,
    Abs,
    Sin,
    Cos,
}

fn bad(at: usize, what: impl Into<String>) -> NodeError {
    NodeError::BadParam {
        name: "expression".into(),
        detail: format!("{} (at character {})", what.into(), at + 1),
    }
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    depth: usize,
    /// Operations built so far: they bound the tree's depth, which the
    /// evaluator and drop walk recursively.
    ops: usize,
}

/// Deepest nesting (parentheses, powers, signs) in one expression.
pub const MAX_NESTING: usize = 64;

/// Most operations (+ − × ÷ ^, signs, functions) in one expression.
pub const MAX_OPERATIONS: usize = 500;

impl Parser<'_> {
    /// Count one more operation, refusing past [`MAX_OPERATIONS`].
    fn op(&mut self) -> Result<(), NodeError> {
        self.ops += 1;
        if self.ops > MAX_OPERATIONS {
            return Err(bad(
                self.i,
                format!(
                    "the expression has more than {MAX_OPERATIONS} operations; split it over several nodes"
                ),
            ));
        }
        Ok(())
    }
}

impl Parser<'_> {
    fn skip(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip();
        self.s.get(self.i).copied()
    }

    // sum := product (('+'|'-') product)*
    fn sum(&mut self) -> Result<Expr, NodeError> {
        let mut left = self.product()?;
        while let Some(op @ (b'+' | b'-')) = self.peek() {
            self.i += 1;
            self.op()?;
            let right = self.product()?;
            left = Expr::Bin(op as char, Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    // product := unary (('*'|'/') unary)*
    fn product(&mut self) -> Result<Expr, NodeError> {
        let mut left = self.unary()?;
        while let Some(op @ (b'*' | b'/')) = self.peek() {
            self.i += 1;
            self.op()?;
            let right = self.unary()?;
            left = Expr::Bin(op as char, Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    // unary := '-' unary | power
    fn unary(&mut self) -> Result<Expr, NodeError> {
        if self.peek() == Some(b'-') {
            self.i += 1;
            self.op()?;
            self.depth += 1;
            if self.depth > MAX_NESTING {
                return Err(bad(self.i, "the expression nests too deeply"));
            }
            let e = self.unary()?;
            self.depth -= 1;
            return Ok(Expr::Neg(Box::new(e)));
        }
        self.power()
    }

    // power := atom ('^' unary)?
    fn power(&mut self) -> Result<Expr, NodeError> {
        let base = self.atom()?;
        if self.peek() == Some(b'^') {
            self.i += 1;
            self.op()?;
            // `a^a^a…` nests to the right: bounded like parentheses.
            self.depth += 1;
            if self.depth > MAX_NESTING {
                return Err(bad(self.i, "the expression nests too deeply"));
            }
            let exp = self.unary()?;
            self.depth -= 1;
            return Ok(Expr::Bin('^', Box::new(base), Box::new(exp)));
        }
        Ok(base)
    }

    fn atom(&mut self) -> Result<Expr, NodeError> {
        let start = self.i;
        match self.peek() {
            None => Err(bad(start, "the expression ends too early")),
            Some(b'(') => {
                self.i += 1;
                self.depth += 1;
                if self.depth > MAX_NESTING {
                    return Err(bad(self.i, "the expression nests too deeply"));
                }
                let e = self.sum()?;
                self.depth -= 1;
                if self.peek() != Some(b')') {
                    return Err(bad(self.i, "a “)” is missing"));
                }
                self.i += 1;
                Ok(e)
            }
            Some(c) if c.is_ascii_digit() || c == b'.' => {
                let from = self.i;
                while self.i < self.s.len()
                    && (self.s[self.i].is_ascii_digit()
                        || self.s[self.i] == b'.'
                        || self.s[self.i] == b'e'
                        || self.s[self.i] == b'E'
                        || ((self.s[self.i] == b'-' || self.s[self.i] == b'+')
                            && matches!(self.s[self.i - 1], b'e' | b'E')))
                {
                    self.i += 1;
                }
                let text = std::str::from_utf8(&self.s[from..self.i]).unwrap_or_default();
                text.parse()
                    .map(Expr::Num)
                    .map_err(|_| bad(from, format!("“{text}” is not a number")))
            }
            Some(c) if c.is_ascii_alphabetic() => {
                let from = self.i;
                while self.i < self.s.len()
                    && (self.s[self.i].is_ascii_alphanumeric() || self.s[self.i] == b'_')
                {
                    self.i += 1;
                }
                let word = std::str::from_utf8(&self.s[from..self.i]).unwrap_or_default();
                let func = match word {
                    "sqrt" => Some(Func::Sqrt),
                    "log" | "ln" => Some(Func::Log),
                    "log10" => Some(Func::Log10),
                    "exp" => Some(Func::Exp),
                    "abs" => Some(Func::Abs),
                    "sin" => Some(Func::Sin),
                    "cos" => Some(Func::Cos),
                    _ => None,
                };
                if let Some(f) = func {
                    if self.peek() != Some(b'(') {
                        return Err(bad(self.i, format!("{word} needs its argument in ( )")));
                    }
                    self.op()?;
                    let arg = self.atom()?;
                    return Ok(Expr::Call(f, Box::new(arg)));
                }
                match word {
                    "a" => Ok(Expr::Var(0)),
                    "b" => Ok(Expr::Var(1)),
                    "c" => Ok(Expr::Var(2)),
                    "d" => Ok(Expr::Var(3)),
                    "pi" => Ok(Expr::Num(std::f64::consts::PI)),
                    _ => Err(bad(
                        from,
                        format!(
                            "“{word}” is unknown; use the inputs a, b, c, d, numbers, + - * / ^ and sqrt, log, log10, exp, abs, sin, cos"
                        ),
                    )),
                }
            }
            Some(c) => Err(bad(start, format!("“{}” is not expected here", c as char))),
        }
    }
}

/// Parse an expression.
pub fn parse(text: &str) -> Result<Expr, NodeError> {
    if text.len() > 10_000 {
        return Err(bad(0, "the expression is too long"));
    }
    let mut p = Parser {
        s: text.as_bytes(),
        i: 0,
        depth: 0,
        ops: 0,
    };
    let e = p.sum()?;
    if let Some(c) = p.peek() {
        return Err(bad(p.i, format!("“{}” is not expected here", c as char)));
    }
    Ok(e)
}

fn apply2(a: &Value, b: &Value, f: impl Fn(f64, f64) -> f64) -> Result<Value, NodeError> {
    if let (Value::Scalar(x), Value::Scalar(y)) = (a, b) {
        return Ok(Value::Scalar(f(*x, *y)));
    }
    let (a, b) = (a.to_array(), b.to_array());
    let shape: Vec<usize> = if a.ndim() >= b.ndim() {
        a.shape().to_vec()
    } else {
        b.shape().to_vec()
    };
    let (Some(x), Some(y)) = (a.broadcast(IxDyn(&shape)), b.broadcast(IxDyn(&shape))) else {
        return Err(NodeError::Compute(format!(
            "shapes {:?} and {:?} do not fit together",
            a.shape(),
            b.shape()
        )));
    };
    let mut out: ArrayD<f64> = x.to_owned();
    out.zip_mut_with(&y, |p, q| *p = f(*p, *q));
    Ok(Value::Array(out))
}

fn map(v: Value, f: impl Fn(f64) -> f64) -> Value {
    match v {
        Value::Scalar(s) => Value::Scalar(f(s)),
        Value::Array(a) => Value::Array(a.mapv(f)),
        Value::Table(_) | Value::Stack(_) => Value::Array(v.to_array().mapv(f)),
    }
}

/// Evaluate over the node's inputs (`a` is input 0…).
pub fn eval(e: &Expr, inputs: &[Option<Arc<Value>>]) -> Result<Value, NodeError> {
    // Iterative (post-order with explicit stacks): a long chain of terms
    // nests as deep as it is long, and evaluation runs on worker threads.
    enum Task<'a> {
        Visit(&'a Expr),
        Apply(&'a Expr),
    }
    let mut tasks = vec![Task::Visit(e)];
    let mut vals: Vec<Value> = Vec::new();
    let underflow = || NodeError::Compute("the expression could not be evaluated".into());
    while let Some(task) = tasks.pop() {
        match task {
            Task::Visit(e) => match e {
                Expr::Num(n) => vals.push(Value::Scalar(*n)),
                Expr::Var(i) => vals.push(
                    inputs
                        .get(*i)
                        .and_then(|v| v.as_deref())
                        .cloned()
                        .ok_or(NodeError::MissingInput(*i))?,
                ),
                Expr::Neg(x) | Expr::Call(_, x) => {
                    tasks.push(Task::Apply(e));
                    tasks.push(Task::Visit(x));
                }
                Expr::Bin(_, l, r) => {
                    tasks.push(Task::Apply(e));
                    tasks.push(Task::Visit(r));
                    tasks.push(Task::Visit(l));
                }
            },
            Task::Apply(e) => {
                let v = match e {
                    Expr::Neg(_) => map(vals.pop().ok_or_else(underflow)?, |v| -v),
                    Expr::Call(f, _) => {
                        let v = vals.pop().ok_or_else(underflow)?;
                        match f {
                            Func::Sqrt => map(v, f64::sqrt),
                            Func::Log => map(v, f64::ln),
                            Func::Log10 => map(v, f64::log10),
                            Func::Exp => map(v, f64::exp),
                            Func::Abs => map(v, f64::abs),
                            Func::Sin => map(v, f64::sin),
                            Func::Cos => map(v, f64::cos),
                        }
                    }
                    Expr::Bin(op, _, _) => {
                        let r = vals.pop().ok_or_else(underflow)?;
                        let l = vals.pop().ok_or_else(underflow)?;
                        match op {
                            '+' => apply2(&l, &r, |a, b| a + b)?,
                            '-' => apply2(&l, &r, |a, b| a - b)?,
                            '*' => apply2(&l, &r, |a, b| a * b)?,
                            '/' => apply2(&l, &r, |a, b| a / b)?,
                            _ => apply2(&l, &r, f64::powf)?,
                        }
                    }
                    Expr::Num(_) | Expr::Var(_) => continue,
                };
                vals.push(v);
            }
        }
    }
    vals.pop().ok_or_else(underflow)
}

#[cfg(test)]
mod tests {
    /// Expressions up to the length limit, of every shape that nests (`^`
    /// chains, long sums, functions of functions, signs, parentheses),
    /// give a value or an error, never an abort, on a worker-sized stack.
    #[test]
    fn long_expressions_are_refused_or_evaluated_on_a_small_stack() {
        let done = std::thread::Builder::new()
            .stack_size(512 * 1024)
            .spawn(|| {
                let a = Some(Arc::new(Value::Scalar(1.0)));
                let inputs = [a.clone(), a.clone(), a.clone(), a];
                let mut refused = 0;
                for n in [10, 100, 400, 499, 2_000, 4_999] {
                    let cases = [
                        format!("a{}", "^a".repeat(n)),
                        format!("a{}", "+a".repeat(n)),
                        format!("a{}", "*b/c".repeat(n / 2)),
                        format!("{}a{}", "sqrt(".repeat(n), ")".repeat(n)),
                        format!("{}a", "-".repeat(n)),
                        format!("{}a{}", "(".repeat(n), ")".repeat(n)),
                    ];
                    for text in cases {
                        match parse(&text) {
                            Ok(e) => {
                                let v = eval(&e, &inputs);
                                assert!(v.is_ok(), "{}…: {v:?}", &text[..20.min(text.len())]);
                            }
                            Err(e) => {
                                assert!(e.to_string().contains("expression"), "{e}");
                                refused += 1;
                            }
                        }
                    }
                }
                refused
            })
            .expect("thread")
            .join()
            .expect("no abort");
        assert!(done >= 12, "the long ones are refused ({done})");
        assert!(
            parse(&"a+".repeat(5_000)).is_err(),
            "a 10,000-character chain"
        );
    }

    use super::*;

    #[allow(clippy::unnecessary_wraps)] // an input slot, as the nodes get it
    fn arr(v: &[f64]) -> Option<Arc<Value>> {
        Some(Arc::new(Value::Array(
            ndarray::Array1::from(v.to_vec()).into_dyn(),
        )))
    }

    #[test]
    fn precedence_broadcasting_and_functions() {
        let inputs = [arr(&[2.0, 4.0, 8.0]), Some(Arc::new(Value::Scalar(2.0)))];
        let v = eval(&parse("a / b * 2").expect("parse"), &inputs).expect("eval");
        assert_eq!(v, Value::Array(ndarray::arr1(&[2.0, 4.0, 8.0]).into_dyn()));
        let v = eval(&parse("-a^2 + 1").expect("parse"), &inputs).expect("eval");
        assert_eq!(
            v,
            Value::Array(ndarray::arr1(&[-3.0, -15.0, -63.0]).into_dyn())
        );
        let v = eval(
            &parse("log10(a * 125) - sqrt(b*b)").expect("parse"),
            &inputs,
        )
        .expect("eval");
        let Value::Array(a) = v else { panic!("array") };
        assert!((a[[2]] - 1.0).abs() < 1e-12, "{a}");
        assert_eq!(
            eval(&parse("2 * (3 + 4) / 7").expect("p"), &[]).expect("e"),
            Value::Scalar(2.0)
        );
        assert_eq!(parse("1.5e-3").expect("p"), Expr::Num(1.5e-3));
    }

    #[test]
    fn mistakes_say_where() {
        let msg = |t: &str| parse(t).expect_err(t).to_string();
        assert!(msg("a +").contains("ends too early"), "{}", msg("a +"));
        assert!(msg("(a + b").contains("“)” is missing"));
        assert!(msg("a $ b").contains("character 3"));
        assert!(msg("foo(a)").contains("“foo” is unknown"));
        assert!(msg("sqrt a").contains("needs its argument"));
        let missing = eval(&parse("a + c").expect("p"), &[arr(&[1.0])]).expect_err("c");
        assert!(
            missing.to_string().contains("input 2 is not connected"),
            "{missing}"
        );
        let shapes = eval(
            &parse("a + b").expect("p"),
            &[arr(&[1.0, 2.0]), arr(&[1.0, 2.0, 3.0])],
        );
        assert!(shapes.is_err());
    }

    #[test]
    fn the_parser_survives_any_text() {
        let alphabet = b"ab c d()+-*/^.0123456789esqrtlog";
        let mut x: u32 = 5;
        for n in 0..5000 {
            let t: String = (0..(n % 60))
                .map(|_| {
                    x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                    alphabet[(x >> 16) as usize % alphabet.len()] as char
                })
                .collect();
            if let Ok(e) = parse(&t) {
                let _ = eval(&e, &[arr(&[1.0, 2.0]), arr(&[3.0, 4.0])]);
            }
        }
        assert!(parse(&"(".repeat(10_000)).is_err());
        assert!(parse(&"-".repeat(5_000)).is_err());
    }
}
