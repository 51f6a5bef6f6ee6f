//! Which GPU adapter the renderer would use, for `panorama doctor`.

use eframe::egui_wgpu::wgpu;

use crate::doctor::GpuInfo;

/// Ask wgpu for the adapter it would pick, without opening a window.
pub fn probe() -> Result<GpuInfo, String> {
    let instance =
        wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
    // Native APIs first; GL only where there is nothing else (it is noisier to probe).
    let mut adapters = pollster::block_on(instance.enumerate_adapters(wgpu::Backends::PRIMARY));
    if adapters.is_empty() {
        adapters = pollster::block_on(instance.enumerate_adapters(wgpu::Backends::GL));
    }
    let best = adapters
        .iter()
        .map(wgpu::Adapter::get_info)
        .min_by_key(|info| match info.device_type {
            wgpu::DeviceType::DiscreteGpu => 0,
            wgpu::DeviceType::IntegratedGpu => 1,
            wgpu::DeviceType::VirtualGpu => 2,
            wgpu::DeviceType::Cpu => 3,
            wgpu::DeviceType::Other => 4,
        })
        .ok_or_else(|| "wgpu found no Vulkan, GL or other adapter".to_owned())?;
    Ok(GpuInfo {
        adapter: best.name,
        backend: format!("{:?}", best.backend),
        device_type: format!("{:?}", best.device_type),
        driver: format!("{} {}", best.driver, best.driver_info)
            .trim()
            .to_owned(),
    })
}
