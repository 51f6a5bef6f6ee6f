//! GPU image colouring: the image is uploaded once as a float texture and
//! coloured by `shaders/colormap.wgsl`; colormap, scale and range changes are
//! uniform writes. Used when the renderer is wgpu; the CPU path remains for others.

use std::collections::HashMap;
use std::sync::Arc;

use eframe::egui_wgpu::{self, wgpu};

use crate::plot::{Colormap, Scale};

/// Images kept on the GPU at once (older ones are dropped).
const KEEP: usize = 4;

struct GpuImage {
    _texture: wgpu::Texture,
    view: wgpu::TextureView,
    uniforms: wgpu::Buffer,
    bind_group: Option<(Colormap, wgpu::BindGroup)>,
}

/// Pipeline, colormap tables and uploaded images, kept in egui_wgpu's callback resources.
pub struct Resources {
    pipeline: wgpu::RenderPipeline,
    layout: wgpu::BindGroupLayout,
    luts: HashMap<Colormap, wgpu::TextureView>,
    images: HashMap<u64, GpuImage>,
    order: Vec<u64>,
}

/// Install the pipeline. Returns false where there is no wgpu renderer.
pub fn install(state: Option<&egui_wgpu::RenderState>) -> bool {
    let Some(rs) = state else {
        return false;
    };
    let device = &rs.device;
    let shader = device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some("colormap"),
        source: wgpu::ShaderSource::Wgsl(include_str!("../../shaders/colormap.wgsl").into()),
    });
    let tex_entry = |binding| wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::FRAGMENT,
        ty: wgpu::BindingType::Texture {
            sample_type: wgpu::TextureSampleType::Float { filterable: false },
            view_dimension: wgpu::TextureViewDimension::D2,
            multisampled: false,
        },
        count: None,
    };
    let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
        label: Some("colormap"),
        entries: &[
            wgpu::BindGroupLayoutEntry {
                binding: 0,
                visibility: wgpu::ShaderStages::FRAGMENT,
                ty: wgpu::BindingType::Buffer {
                    ty: wgpu::BufferBindingType::Uniform,
                    has_dynamic_offset: false,
                    min_binding_size: None,
                },
                count: None,
            },
            tex_entry(1),
            tex_entry(2),
        ],
    });
    let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
        label: Some("colormap"),
        bind_group_layouts: &[Some(&layout)],
        immediate_size: 0,
    });
    let pipeline = device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
        label: Some("colormap"),
        layout: Some(&pipeline_layout),
        vertex: wgpu::VertexState {
            module: &shader,
            entry_point: Some("vs_main"),
            compilation_options: wgpu::PipelineCompilationOptions::default(),
            buffers: &[],
        },
        primitive: wgpu::PrimitiveState::default(),
        depth_stencil: None,
        multisample: wgpu::MultisampleState::default(),
        fragment: Some(wgpu::FragmentState {
            module: &shader,
            entry_point: Some("fs_main"),
            compilation_options: wgpu::PipelineCompilationOptions::default(),
            targets: &[Some(rs.target_format.into())],
        }),
        multiview_mask: None,
        cache: None,
    });
    let mut luts = HashMap::new();
    for c in Colormap::ALL {
        let rgba: Vec<u8> = (0..256)
            .flat_map(|i| {
                let [r, g, b] = c.rgb(f64::from(i) / 255.0);
                [r, g, b, 255]
            })
            .collect();
        let tex = device.create_texture(&wgpu::TextureDescriptor {
            label: Some("colormap lut"),
            size: wgpu::Extent3d {
                width: 256,
                height: 1,
                depth_or_array_layers: 1,
            },
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format: wgpu::TextureFormat::Rgba8Unorm,
            usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
            view_formats: &[],
        });
        rs.queue.write_texture(
            tex.as_image_copy(),
            &rgba,
            wgpu::TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some(256 * 4),
                rows_per_image: Some(1),
            },
            wgpu::Extent3d {
                width: 256,
                height: 1,
                depth_or_array_layers: 1,
            },
        );
        luts.insert(c, tex.create_view(&wgpu::TextureViewDescriptor::default()));
    }
    rs.renderer.write().callback_resources.insert(Resources {
        pipeline,
        layout,
        luts,
        images: HashMap::new(),
        order: Vec::new(),
    });
    true
}

/// One draw of an image: which image (uploaded on first use) and how to colour it.
pub struct Draw {
    pub id: u64,
    pub width: usize,
    pub height: usize,
    /// The pixels (converted to f32 on upload unless they are f32 already).
    pub values: Arc<crate::data::Value>,
    pub colormap: Colormap,
    pub scale: Scale,
    pub range: (f64, f64),
    /// Axes that decrease (their first value right / at the top).
    pub flip: (bool, bool),
    /// Where the whole image lies on screen (points), this frame: it may
    /// reach far past the plot when zoomed in. The callback's own rect is
    /// only the visible part (a viewport is clamped to the screen, so the
    /// image cannot be drawn by stretching the viewport over it).
    pub placed: egui::Rect,
}

impl egui_wgpu::CallbackTrait for Draw {
    fn prepare(
        &self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        screen: &egui_wgpu::ScreenDescriptor,
        _encoder: &mut wgpu::CommandEncoder,
        resources: &mut egui_wgpu::CallbackResources,
    ) -> Vec<wgpu::CommandBuffer> {
        let Some(res) = resources.get_mut::<Resources>() else {
            return Vec::new();
        };
        #[allow(clippy::cast_possible_truncation)]
        let (w, h) = (self.width as u32, self.height as u32);
        if let std::collections::hash_map::Entry::Vacant(slot) = res.images.entry(self.id) {
            let size = wgpu::Extent3d {
                width: w.max(1),
                height: h.max(1),
                depth_or_array_layers: 1,
            };
            let texture = device.create_texture(&wgpu::TextureDescriptor {
                label: Some("image data"),
                size,
                mip_level_count: 1,
                sample_count: 1,
                dimension: wgpu::TextureDimension::D2,
                format: wgpu::TextureFormat::R32Float,
                usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
                view_formats: &[],
            });
            let pixels = crate::plot::f32_pixels(&self.values);
            if pixels.len() >= self.width * self.height {
                queue.write_texture(
                    texture.as_image_copy(),
                    bytemuck::cast_slice(&pixels[..self.width * self.height]),
                    wgpu::TexelCopyBufferLayout {
                        offset: 0,
                        bytes_per_row: Some(w * 4),
                        rows_per_image: Some(h),
                    },
                    size,
                );
            }
            let view = texture.create_view(&wgpu::TextureViewDescriptor::default());
            let uniforms = device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("colormap params"),
                size: 48,
                usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            });
            slot.insert(GpuImage {
                _texture: texture,
                view,
                uniforms,
                bind_group: None,
            });
            res.order.push(self.id);
            if res.order.len() > KEEP {
                let old = res.order.remove(0);
                res.images.remove(&old);
            }
        }
        let lo = self
            .scale
            .apply(self.range.0)
            .unwrap_or(f64::MIN_POSITIVE.log10());
        let hi = self.scale.apply(self.range.1).unwrap_or(0.0);
        let scale: u32 = match self.scale {
            Scale::Linear => 0,
            Scale::Log => 1,
            Scale::Sqrt => 2,
        };
        // The image's rectangle in framebuffer pixels, against which the
        // shader places each fragment.
        let ppp = screen.pixels_per_point;
        let (min, size) = (self.placed.min, self.placed.size());
        #[allow(clippy::cast_possible_truncation)]
        let params: [u32; 12] = [
            (lo as f32).to_bits(),
            (hi as f32).to_bits(),
            scale,
            0,
            w,
            h,
            u32::from(self.flip.0),
            u32::from(self.flip.1),
            (min.x * ppp).to_bits(),
            (min.y * ppp).to_bits(),
            (size.x * ppp).to_bits(),
            (size.y * ppp).to_bits(),
        ];
        let Resources {
            images,
            luts,
            layout,
            ..
        } = res;
        if let (Some(img), Some(lut)) = (images.get_mut(&self.id), luts.get(&self.colormap)) {
            queue.write_buffer(&img.uniforms, 0, bytemuck::cast_slice(&params));
            if img
                .bind_group
                .as_ref()
                .is_none_or(|(c, _)| *c != self.colormap)
            {
                let bg = device.create_bind_group(&wgpu::BindGroupDescriptor {
                    label: Some("colormap"),
                    layout,
                    entries: &[
                        wgpu::BindGroupEntry {
                            binding: 0,
                            resource: img.uniforms.as_entire_binding(),
                        },
                        wgpu::BindGroupEntry {
                            binding: 1,
                            resource: wgpu::BindingResource::TextureView(&img.view),
                        },
                        wgpu::BindGroupEntry {
                            binding: 2,
                            resource: wgpu::BindingResource::TextureView(lut),
                        },
                    ],
                });
                img.bind_group = Some((self.colormap, bg));
            }
        }
        Vec::new()
    }

    fn paint(
        &self,
        _info: egui::PaintCallbackInfo,
        pass: &mut wgpu::RenderPass<'static>,
        resources: &egui_wgpu::CallbackResources,
    ) {
        let Some(res) = resources.get::<Resources>() else {
            return;
        };
        let Some((_, bg)) = res.images.get(&self.id).and_then(|i| i.bind_group.as_ref()) else {
            return;
        };
        pass.set_pipeline(&res.pipeline);
        pass.set_bind_group(0, bg, &[]);
        pass.draw(0..3, 0..1);
    }
}
