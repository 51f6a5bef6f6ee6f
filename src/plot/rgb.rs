//! Colour images stored as data: which datasets are pictures in colour,
//! and their pixels as 8-bit RGBA.
//!
//! A dataset is a colour image when it says so: the HDF5 image convention
//! (`CLASS = "IMAGE"`, `IMAGE_SUBCLASS = "IMAGE_TRUECOLOR"`, with
//! `INTERLACE_MODE` `INTERLACE_PIXEL` for height × width × channels or
//! `INTERLACE_PLANE` for channels × height × width), or NeXus
//! `interpretation = "rgb-image"` / `"rgba-image"` on a last axis of 3 or 4.

use crate::data::{Attribute, Data, DatasetInfo, Value};

/// How a colour image lies in its dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RgbLayout {
    pub height: usize,
    pub width: usize,
    /// 3 (RGB) or 4 (RGBA).
    pub channels: usize,
    /// Channels first (`INTERLACE_PLANE`), else last.
    pub planes: bool,
}

fn text(attrs: &[Attribute], name: &str) -> Option<String> {
    attrs
        .iter()
        .find(|a| a.name == name)?
        .text()
        .map(|t| t.trim().to_owned())
}

/// The layout of a dataset that declares itself a colour image, if it does
/// and its shape fits.
pub fn layout(info: &DatasetInfo, attrs: &[Attribute]) -> Option<RgbLayout> {
    if !info.dtype.is_numeric() || info.shape.len() != 3 {
        return None;
    }
    let dims: Vec<usize> = info
        .shape
        .iter()
        .map(|&n| usize::try_from(n).ok())
        .collect::<Option<_>>()?;
    let truecolor = text(attrs, "CLASS").as_deref() == Some("IMAGE")
        && text(attrs, "IMAGE_SUBCLASS").as_deref() == Some("IMAGE_TRUECOLOR");
    let interpretation = text(attrs, "interpretation");
    let nexus = matches!(interpretation.as_deref(), Some("rgb-image" | "rgba-image"));
    if !truecolor && !nexus {
        return None;
    }
    let planes = truecolor && text(attrs, "INTERLACE_MODE").as_deref() == Some("INTERLACE_PLANE");
    let (channels, height, width) = if planes {
        (dims[0], dims[1], dims[2])
    } else {
        (dims[2], dims[0], dims[1])
    };
    let wanted = match interpretation.as_deref() {
        Some("rgb-image") => channels == 3,
        Some("rgba-image") => channels == 4,
        _ => matches!(channels, 3 | 4),
    };
    (wanted && height > 0 && width > 0).then_some(RgbLayout {
        height,
        width,
        channels,
        planes,
    })
}

/// One channel's stored number as 0–255: 8-bit values as they are, 16-bit
/// ones by their high byte, floats from 0–1 when every value lies there
/// (else as 0–255), anything else clamped to 0–255.
fn to_byte(value: &Value, i: usize, unit_floats: bool) -> u8 {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let clamp = |v: f64| -> u8 {
        if v.is_nan() {
            0
        } else {
            v.round().clamp(0.0, 255.0) as u8
        }
    };
    let scale = if unit_floats { 255.0 } else { 1.0 };
    match &value.data {
        Data::U8(v) => v.get(i).copied().unwrap_or(0),
        Data::U16(v) => v.get(i).map_or(0, |x| x.to_be_bytes()[0]),
        Data::F32(v) => clamp(v.get(i).map_or(0.0, |x| f64::from(*x)) * scale),
        Data::F64(v) => clamp(v.get(i).copied().unwrap_or(0.0) * scale),
        _ => clamp(value.element_f64(i).unwrap_or(0.0)),
    }
}

/// The pixels of a colour image, row by row, as RGBA (opaque when the
/// image has no alpha channel). `None` when the value does not hold the
/// layout's numbers.
pub fn pixels(value: &Value, l: RgbLayout) -> Option<Vec<[u8; 4]>> {
    let n = l.height * l.width;
    if value.len() != n * l.channels {
        return None;
    }
    let unit_floats = match &value.data {
        Data::F32(v) => v.iter().all(|x| !x.is_finite() || (0.0..=1.0).contains(x)),
        Data::F64(v) => v.iter().all(|x| !x.is_finite() || (0.0..=1.0).contains(x)),
        _ => false,
    };
    let at = |pixel: usize, channel: usize| {
        let i = if l.planes {
            channel * n + pixel
        } else {
            pixel * l.channels + channel
        };
        to_byte(value, i, unit_floats)
    };
    Some(
        (0..n)
            .map(|p| {
                [
                    at(p, 0),
                    at(p, 1),
                    at(p, 2),
                    if l.channels == 4 { at(p, 3) } else { 255 },
                ]
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::DType;

    fn attr(name: &str, value: &str) -> Attribute {
        Attribute {
            name: name.into(),
            dtype: DType::Str {
                fixed: None,
                utf8: true,
            },
            shape: vec![],
            value: Ok(Value {
                shape: vec![],
                data: Data::Str(vec![value.into()]),
            }),
        }
    }

    fn u8_info(shape: &[u64]) -> DatasetInfo {
        DatasetInfo::plain(
            shape,
            DType::Int {
                bytes: 1,
                signed: false,
                big_endian: false,
            },
        )
    }

    #[test]
    fn only_datasets_that_say_they_are_colour_images_are() {
        let truecolor = [
            attr("CLASS", "IMAGE"),
            attr("IMAGE_SUBCLASS", "IMAGE_TRUECOLOR"),
        ];
        assert_eq!(
            layout(&u8_info(&[4, 5, 3]), &truecolor),
            Some(RgbLayout {
                height: 4,
                width: 5,
                channels: 3,
                planes: false
            })
        );
        let mut planes = truecolor.to_vec();
        planes.push(attr("INTERLACE_MODE", "INTERLACE_PLANE"));
        assert_eq!(
            layout(&u8_info(&[3, 4, 5]), &planes).map(|l| (l.height, l.width, l.planes)),
            Some((4, 5, true))
        );
        let nexus = [attr("interpretation", "rgba-image")];
        assert_eq!(
            layout(&u8_info(&[4, 5, 4]), &nexus).map(|l| l.channels),
            Some(4)
        );
        // Three values a pixel, but nothing says colour: a stack.
        assert_eq!(layout(&u8_info(&[4, 5, 3]), &[]), None);
        // Says rgb, has four channels; an indexed image is not true colour.
        assert_eq!(
            layout(&u8_info(&[4, 5, 4]), &[attr("interpretation", "rgb-image")]),
            None
        );
        assert_eq!(
            layout(
                &u8_info(&[4, 5, 3]),
                &[
                    attr("CLASS", "IMAGE"),
                    attr("IMAGE_SUBCLASS", "IMAGE_INDEXED")
                ]
            ),
            None
        );
    }

    #[test]
    fn pixels_come_out_in_rows_whatever_the_interlace_and_type() {
        let l = RgbLayout {
            height: 1,
            width: 2,
            channels: 3,
            planes: false,
        };
        let v = Value {
            shape: vec![1, 2, 3],
            data: Data::U8(vec![10, 20, 30, 40, 50, 60]),
        };
        assert_eq!(
            pixels(&v, l),
            Some(vec![[10, 20, 30, 255], [40, 50, 60, 255]])
        );
        let planes = Value {
            shape: vec![3, 1, 2],
            data: Data::U8(vec![10, 40, 20, 50, 30, 60]),
        };
        assert_eq!(
            pixels(&planes, RgbLayout { planes: true, ..l }),
            Some(vec![[10, 20, 30, 255], [40, 50, 60, 255]])
        );
        let unit = Value {
            shape: vec![1, 2, 3],
            data: Data::F32(vec![0.0, 0.5, 1.0, 1.0, f32::NAN, 0.2]),
        };
        assert_eq!(
            pixels(&unit, l),
            Some(vec![[0, 128, 255, 255], [255, 0, 51, 255]])
        );
        let wide = Value {
            shape: vec![1, 2, 3],
            data: Data::U16(vec![0, 0x8000, 0xffff, 0x0100, 0x00ff, 0x1234]),
        };
        assert_eq!(
            pixels(&wide, l),
            Some(vec![[0, 128, 255, 255], [1, 0, 18, 255]])
        );
        assert_eq!(pixels(&wide, RgbLayout { width: 3, ..l }), None);
    }
}
