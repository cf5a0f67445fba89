//! The colours of risk levels and impacts, shared by the workbook, the HTML report and the
//! supply-chain picture: a sequential yellow-orange-brown ramp (`ColorBrewer`'s `YlOrBr`),
//! readable with every common form of colour blindness because it varies in lightness, not only
//! in hue.

/// Nine steps, lightest first: up to nine levels each get their own colour.
const RAMP: [u32; 9] = [
    0xFF_FFE5, 0xFF_F7BC, 0xFE_E391, 0xFE_C44F, 0xFE_9929, 0xEC_7014, 0xCC_4C02, 0x99_3404,
    0x66_2506,
];

/// The loss exceedance curves (`lec_svg`): inherent a light step of the ramp, residual a dark
/// one, the tolerance curve near black and dashed, so they differ in lightness and stroke, not
/// only in hue.
pub const INHERENT_CURVE: u32 = RAMP[4];
pub const RESIDUAL_CURVE: u32 = RAMP[7];
pub const TOLERANCE_CURVE: u32 = 0x1A_1A1A;

/// The fill and text colours (`0xRRGGBB`) of level `index` of `count`, lowest first: the levels
/// spread over the ramp, the highest always the darkest.
pub fn level(index: usize, count: usize) -> (u32, u32) {
    let step = if count <= 1 {
        2
    } else {
        (index * (RAMP.len() - 1) + (count - 1) / 2) / (count - 1)
    };
    let step = step.min(RAMP.len() - 1);
    let text = if step >= 5 { 0xFF_FFFF } else { 0x1A_1A1A };
    (RAMP[step], text)
}

/// The fill and text colours (`0xRRGGBB`) of an impact in 0..=1 on the same ramp: no impact the
/// lightest, full impact the darkest, in nine steps.
pub fn impact(impact: f64) -> (u32, u32) {
    let last = RAMP.len() - 1;
    let step = if impact.is_nan() {
        0
    } else {
        ((impact.clamp(0.0, 1.0) * last as f64).round() as usize).min(last)
    };
    let text = if step >= 5 { 0xFF_FFFF } else { 0x1A_1A1A };
    (RAMP[step], text)
}

/// `#rrggbb`, for SVG and CSS.
pub fn hex(colour: u32) -> String {
    format!("#{colour:06x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn impacts_darken_with_the_impact() {
        assert_eq!(impact(0.0).0, RAMP[0]);
        assert_eq!(impact(1.0), (RAMP[8], 0xFF_FFFF));
        assert_eq!(impact(0.5).0, RAMP[4]);
        assert_eq!(impact(f64::NAN).0, RAMP[0]);
        assert_eq!(impact(7.0).0, RAMP[8]);
        assert_eq!(hex(0x0A_0B0C), "#0a0b0c");
    }

    #[test]
    fn levels_spread_over_the_ramp() {
        let four: Vec<u32> = (0..4).map(|i| level(i, 4).0).collect();
        assert_eq!(four, [RAMP[0], RAMP[3], RAMP[5], RAMP[8]]);
        assert_eq!(level(0, 2).0, RAMP[0]);
        assert_eq!(level(1, 2).0, RAMP[8]);
        // Up to nine levels, no two share a colour.
        for count in 1..=9 {
            let mut colours: Vec<u32> = (0..count).map(|i| level(i, count).0).collect();
            colours.dedup();
            assert_eq!(colours.len(), count);
        }
    }
}
