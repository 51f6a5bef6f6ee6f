// Colours a float image on the GPU: the data is uploaded once as an R32Float
// texture; colormap, scale (linear/log/sqrt) and range are uniforms, so
// changing them costs one uniform write, not a re-upload.

struct Params {
    lo: f32,          // range start, already on the scale
    hi: f32,          // range end, already on the scale
    scale: u32,       // 0 linear, 1 log10, 2 sqrt
    _pad: u32,
    size: vec2<u32>,  // image width, height in pixels
    flip: vec2<u32>,  // 1 where an axis decreases: its first value on the right / at the top
    placed: vec4<f32>, // the whole image on screen: left, top, width, height in framebuffer pixels
};

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var data: texture_2d<f32>;
@group(0) @binding(2) var lut: texture_2d<f32>;

struct VsOut {
    @builtin(position) pos: vec4<f32>,
    @location(0) uv: vec2<f32>,
};

// One triangle covering the viewport: the visible part of the image. Each
// fragment finds its pixel from its own framebuffer position against the
// whole image's rectangle, so zooming far in stays registered to the axes.
@vertex
fn vs_main(@builtin(vertex_index) i: u32) -> VsOut {
    let x = f32((i << 1u) & 2u);
    let y = f32(i & 2u);
    var o: VsOut;
    o.pos = vec4<f32>(x * 2.0 - 1.0, 1.0 - y * 2.0, 0.0, 1.0);
    o.uv = vec2<f32>(x, y);
    return o;
}

@fragment
fn fs_main(v: VsOut) -> @location(0) vec4<f32> {
    let size = vec2<f32>(params.size);
    let down = (v.pos.xy - params.placed.xy) / params.placed.zw;
    if (any(down < vec2<f32>(0.0)) || any(down >= vec2<f32>(1.0))) {
        discard;
    }
    // Row 0 at the bottom, where the first value of the y axis is.
    var uv = vec2<f32>(down.x, 1.0 - down.y);
    if (params.flip.x == 1u) {
        uv.x = 1.0 - uv.x;
    }
    if (params.flip.y == 1u) {
        uv.y = 1.0 - uv.y;
    }
    let p = clamp(uv * size, vec2<f32>(0.0), size - vec2<f32>(1.0));
    let value = textureLoad(data, vec2<i32>(p), 0).r;
    // NaN and ±∞ (all exponent bits set; read from the bits, as float
    // comparisons with NaN may be optimised away): magenta, as on the CPU
    // path (plot::colormap::INVALID).
    if (((bitcast<u32>(value) >> 23u) & 0xffu) == 0xffu) {
        return vec4<f32>(1.0, 0.0, 1.0, 1.0);
    }
    var s = value;
    if (params.scale == 1u) {
        if (value <= 0.0) {
            discard;
        }
        s = log2(value) * 0.30102999566; // log10
    } else if (params.scale == 2u) {
        if (value < 0.0) {
            discard;
        }
        s = sqrt(value);
    }
    let t = clamp((s - params.lo) / max(params.hi - params.lo, 1e-30), 0.0, 1.0);
    return textureLoad(lut, vec2<i32>(i32(round(t * 255.0)), 0), 0);
}
