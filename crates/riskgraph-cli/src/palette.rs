//! The colours of risk levels, shared by the workbook and the HTML report: a sequential
//! yellow-orange-brown ramp (`ColorBrewer`'s `YlOrBr`), readable with every common form of colour
//! blindness because it varies in lightness, not only in hue.

/// Six steps, lightest first.
const RAMP: [u32; 6] = [
    0xFF_FFD4, 0xFE_E391, 0xFE_C44F, 0xFE_9929, 0xD9_5F0E, 0x99_3404,
];

/// The fill and text colours (`0xRRGGBB`) of level `index` of `count`, lowest first: the levels
/// spread over the ramp, the highest always the darkest.
pub fn level(index: usize, count: usize) -> (u32, u32) {
    let step = if count <= 1 {
        2
    } else {
        (index * (RAMP.len() - 1) + (count - 1) / 2) / (count - 1)
    };
    let step = step.min(RAMP.len() - 1);
    let text = if step >= 4 { 0xFF_FFFF } else { 0x1A_1A1A };
    (RAMP[step], text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_spread_over_the_ramp() {
        let four: Vec<u32> = (0..4).map(|i| level(i, 4).0).collect();
        assert_eq!(four, [RAMP[0], RAMP[2], RAMP[3], RAMP[5]]);
        assert_eq!(level(0, 2).0, RAMP[0]);
        assert_eq!(level(1, 2).0, RAMP[5]);
        assert_eq!(level(6, 7).0, RAMP[5]);
    }
}
