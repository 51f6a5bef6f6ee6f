//! Export of plotted data: CSV for 1-D data, SVG for line plots, PNG for images.

use std::fmt::Write as _;
use std::path::Path;

/// Errors writing an export file.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("could not write {path}: {source}. Check the folder exists and is writable")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("could not encode the image: {0}")]
    Png(String),
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> ExportError + '_ {
    move |source| ExportError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Columns as CSV text with a header; shorter columns leave cells empty.
pub fn csv(header: &[&str], columns: &[&[f64]]) -> String {
    let rows = columns.iter().map(|c| c.len()).max().unwrap_or(0);
    let mut out = header.join(",");
    out.push('\n');
    for r in 0..rows {
        let cells: Vec<String> = columns
            .iter()
            .map(|c| {
                c.get(r)
                    .map(std::string::ToString::to_string)
                    .unwrap_or_default()
            })
            .collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

pub fn write_csv(path: &Path, header: &[&str], columns: &[&[f64]]) -> Result<(), ExportError> {
    std::fs::write(path, csv(header, columns)).map_err(io(path))
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A line plot as a standalone SVG (axes box, min/max ticks, labels).
pub fn line_svg(points: &[[f64; 2]], x_label: &str, y_label: &str) -> String {
    let (w, h, m) = (800.0, 500.0, 60.0);
    let finite = points
        .iter()
        .filter(|p| p[0].is_finite() && p[1].is_finite());
    let (mut x0, mut x1, mut y0, mut y1) = (
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
    );
    for p in finite.clone() {
        x0 = x0.min(p[0]);
        x1 = x1.max(p[0]);
        y0 = y0.min(p[1]);
        y1 = y1.max(p[1]);
    }
    if x1.partial_cmp(&x0) != Some(std::cmp::Ordering::Greater) {
        x1 = x0 + 1.0;
    }
    if y1.partial_cmp(&y0) != Some(std::cmp::Ordering::Greater) {
        y1 = y0 + 1.0;
    }
    let sx = |x: f64| m + (x - x0) / (x1 - x0) * (w - 2.0 * m);
    let sy = |y: f64| h - m - (y - y0) / (y1 - y0) * (h - 2.0 * m);
    let mut path = String::new();
    for (i, p) in finite.enumerate() {
        let _ = write!(
            path,
            "{}{:.2},{:.2} ",
            if i == 0 { "M" } else { "L" },
            sx(p[0]),
            sy(p[1])
        );
    }
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="12">
<rect x="{m}" y="{m}" width="{iw}" height="{ih}" fill="none" stroke="#444"/>
<path d="{path}" fill="none" stroke="#1f77b4" stroke-width="1"/>
<text x="{m}" y="{ty}" text-anchor="start">{x0}</text><text x="{xr}" y="{ty}" text-anchor="end">{x1}</text>
<text x="{lx}" y="{yb}" text-anchor="end">{y0}</text><text x="{lx}" y="{yt}" text-anchor="end">{y1}</text>
<text x="{cx}" y="{xl}" text-anchor="middle">{xlab}</text>
<text transform="translate(16 {cy}) rotate(-90)" text-anchor="middle">{ylab}</text>
</svg>
"##,
        iw = w - 2.0 * m,
        ih = h - 2.0 * m,
        ty = h - m + 16.0,
        xr = w - m,
        lx = m - 4.0,
        yb = h - m,
        yt = m + 10.0,
        cx = w / 2.0,
        xl = h - 12.0,
        cy = h / 2.0,
        xlab = esc(x_label),
        ylab = esc(y_label),
    )
}

/// An image on its axes as a standalone SVG: the pixels as an embedded
/// PNG (drawn unsmoothed), the axes box with its first and last values
/// and labels, and the colour bar with the values its ends stand for.
pub struct ImageSvg<'a> {
    pub width: usize,
    pub height: usize,
    /// RGBA, row 0 first (drawn at the top).
    pub rgba: &'a [u8],
    /// The values at the image's left and right edges, and at its bottom
    /// and top.
    pub x_range: (f64, f64),
    pub y_range: (f64, f64),
    pub x_label: &'a str,
    pub y_label: &'a str,
    /// The colour bar from its low end to its high end, and the values of
    /// its ends.
    pub bar: &'a [[u8; 3]],
    pub bar_range: (f64, f64),
}

impl ImageSvg<'_> {
    pub fn to_svg(&self) -> Result<String, ExportError> {
        use base64::Engine as _;
        let png = png_bytes(self.width, self.height, self.rgba)?;
        let data = base64::engine::general_purpose::STANDARD.encode(png);
        let (w, h, m) = (860.0, 560.0, 60.0);
        let (iw, ih) = (w - 2.0 * m - 80.0, h - 2.0 * m);
        let (bx, bw) = (m + iw + 24.0, 18.0);
        let mut bar = String::new();
        let n = self.bar.len().max(1);
        #[allow(clippy::cast_precision_loss)]
        let step = ih / n as f64;
        for (i, [r, g, b]) in self.bar.iter().enumerate() {
            #[allow(clippy::cast_precision_loss)]
            let y = m + ih - (i as f64 + 1.0) * step;
            let _ = write!(
                bar,
                r##"<rect x="{bx}" y="{y:.2}" width="{bw}" height="{:.2}" fill="#{r:02x}{g:02x}{b:02x}"/>"##,
                step + 0.5
            );
        }
        let short = crate::units::short;
        Ok(format!(
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="12">
<image x="{m}" y="{m}" width="{iw}" height="{ih}" preserveAspectRatio="none" style="image-rendering:pixelated" href="data:image/png;base64,{data}"/>
<rect x="{m}" y="{m}" width="{iw}" height="{ih}" fill="none" stroke="#444"/>
<text x="{m}" y="{ty}" text-anchor="start">{x0}</text><text x="{xr}" y="{ty}" text-anchor="end">{x1}</text>
<text x="{lx}" y="{yb}" text-anchor="end">{y0}</text><text x="{lx}" y="{yt}" text-anchor="end">{y1}</text>
<text x="{cx}" y="{xl}" text-anchor="middle">{xlab}</text>
<text transform="translate(16 {cy}) rotate(-90)" text-anchor="middle">{ylab}</text>
{bar}<rect x="{bx}" y="{m}" width="{bw}" height="{ih}" fill="none" stroke="#444"/>
<text x="{bl}" y="{yt}" text-anchor="start">{b1}</text><text x="{bl}" y="{yb}" text-anchor="start">{b0}</text>
</svg>
"##,
            ty = h - m + 16.0,
            xr = m + iw,
            lx = m - 4.0,
            yb = m + ih,
            yt = m + 10.0,
            cx = m + iw / 2.0,
            xl = h - 12.0,
            cy = m + ih / 2.0,
            bl = bx + bw + 4.0,
            x0 = esc(&short(self.x_range.0)),
            x1 = esc(&short(self.x_range.1)),
            y0 = esc(&short(self.y_range.0)),
            y1 = esc(&short(self.y_range.1)),
            b0 = esc(&short(self.bar_range.0)),
            b1 = esc(&short(self.bar_range.1)),
            xlab = esc(self.x_label),
            ylab = esc(self.y_label),
        ))
    }
}

/// Write a text export (an SVG picture, a CSV table made elsewhere).
pub fn write_text(path: &Path, text: &str) -> Result<(), ExportError> {
    std::fs::write(path, text).map_err(io(path))
}

/// Write RGBA pixels as a PNG file.
pub fn write_png(path: &Path, width: usize, height: usize, rgba: &[u8]) -> Result<(), ExportError> {
    let file = std::fs::File::create(path).map_err(io(path))?;
    encode_png(std::io::BufWriter::new(file), width, height, rgba)
}

/// RGBA pixels as PNG bytes (for a picture inside an SVG).
pub fn png_bytes(width: usize, height: usize, rgba: &[u8]) -> Result<Vec<u8>, ExportError> {
    let mut out = Vec::new();
    encode_png(&mut out, width, height, rgba)?;
    Ok(out)
}

fn encode_png(
    to: impl std::io::Write,
    width: usize,
    height: usize,
    rgba: &[u8],
) -> Result<(), ExportError> {
    let (w, h) = (
        u32::try_from(width).map_err(|e| ExportError::Png(e.to_string()))?,
        u32::try_from(height).map_err(|e| ExportError::Png(e.to_string()))?,
    );
    let mut enc = png::Encoder::new(to, w, h);
    enc.set_color(png::ColorType::Rgba);
    enc.set_depth(png::BitDepth::Eight);
    let mut writer = enc
        .write_header()
        .map_err(|e| ExportError::Png(e.to_string()))?;
    writer
        .write_image_data(rgba)
        .map_err(|e| ExportError::Png(e.to_string()))?;
    writer
        .finish()
        .map_err(|e| ExportError::Png(e.to_string()))?;
    Ok(())
}

#[cfg(test)]
mod tests {

    /// The picture inside an image's SVG is its pixels, exactly.
    #[test]
    fn an_image_svg_holds_its_pixels_as_png_with_its_axes() {
        use base64::Engine as _;
        let rgba: Vec<u8> = (0..3 * 2)
            .flat_map(|i| [i * 40, 255 - i * 40, 7, 255])
            .collect();
        let svg = ImageSvg {
            width: 3,
            height: 2,
            rgba: &rgba,
            x_range: (0.0, 3.0),
            y_range: (10.0, 2.0),
            x_label: "x (mm) <a&b>",
            y_label: "y",
            bar: &[[0, 0, 0], [255, 255, 255]],
            bar_range: (-1.5, 7.25),
        }
        .to_svg()
        .expect("svg");
        assert!(
            svg.contains("x (mm) &lt;a&amp;b&gt;") && svg.contains(">7.25<"),
            "{svg}"
        );
        let data = svg
            .split("base64,")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .expect("embedded PNG");
        let png = base64::engine::general_purpose::STANDARD
            .decode(data)
            .expect("base64");
        let decoder = png::Decoder::new(std::io::Cursor::new(png));
        let mut reader = decoder.read_info().expect("png");
        let mut buf = vec![0; reader.output_buffer_size().expect("size")];
        let info = reader.next_frame(&mut buf).expect("frame");
        assert_eq!((info.width, info.height), (3, 2));
        assert_eq!(&buf[..info.buffer_size()], &rgba[..]);
    }
    use super::*;

    #[test]
    fn csv_has_a_header_and_ragged_columns() {
        let x = [1.0, 2.0];
        let y = [10.0, 20.0];
        let e = [0.5];
        assert_eq!(
            csv(&["x", "y", "err"], &[&x, &y, &e]),
            "x,y,err\n1,10,0.5\n2,20,\n"
        );
    }

    #[test]
    fn svg_escapes_labels_and_draws_a_path() {
        let s = line_svg(&[[0.0, 1.0], [1.0, 3.0]], "Q (1/Å)", "R <log>");
        assert!(s.contains("M60.00,440.00 L740.00,60.00"), "{s}");
        assert!(s.contains("R &lt;log&gt;"));
    }

    #[test]
    fn png_round_trips_through_a_decoder() {
        let tmp = tempfile::tempdir().expect("tmp");
        let p = tmp.path().join("x.png");
        write_png(&p, 2, 1, &[255, 0, 0, 255, 0, 255, 0, 255]).expect("write");
        let dec = png::Decoder::new(std::io::BufReader::new(
            std::fs::File::open(&p).expect("open"),
        ));
        let mut r = dec.read_info().expect("info");
        let mut buf = vec![0; r.output_buffer_size().expect("size")];
        let info = r.next_frame(&mut buf).expect("frame");
        assert_eq!((info.width, info.height), (2, 1));
        assert_eq!(&buf[..8], &[255, 0, 0, 255, 0, 255, 0, 255]);
    }
}
