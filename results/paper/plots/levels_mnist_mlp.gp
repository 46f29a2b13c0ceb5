# memprobe plot: mnist mlp: test accuracy against label corruption (best layer for probes)
# data: levels_mnist_mlp.csv (accuracies are fractions; drawn as %)
# run from this script's folder: gnuplot levels_mnist_mlp.gp
set datafile separator ','
set title 'mnist mlp: test accuracy against label corruption (best layer for probes)' noenhanced
set xlabel 'corruption level p' noenhanced
set ylabel 'accuracy (%)' noenhanced
set yrange [0:100]
set grid
set key below center horizontal Left reverse height 1 noenhanced
set bars small
set xrange [-0.03:1.03]
set xtics 0.1
if (strstrt(GPVAL_TERMINALS, ' pngcairo ') > 0) {
  set terminal pngcairo size 1200,520 font 'sans,10'
} else {
  set terminal png size 1200,520
}
set output 'levels_mnist_mlp.png'
plot 'levels_mnist_mlp.csv' skip 1 using 1:($2*100):(column(3) == column(3) ? column(3)*100 : 0) with yerrorlines lw 2 lc 1 title 'model', \
     '' skip 1 using 1:($4*100):(column(5) == column(5) ? column(5)*100 : 0) with yerrorlines lw 2 lc 2 title 'MASC (best layer)', \
     '' skip 1 using 1:($6*100):(column(7) == column(7) ? column(7)*100 : 0) with yerrorlines lw 2 lc 3 title 'linear probe (best layer)', \
     '' skip 1 using 1:($8*100):(column(9) == column(9) ? column(9)*100 : 0) with yerrorlines lw 2 lc 4 title 'edited model', \
     '' skip 1 using 1:($11*100) with points pt 6 ps 1.6 lw 2 lc 1 title 'model, published', \
     '' skip 1 using 1:($12*100) with points pt 6 ps 1.6 lw 2 lc 2 title 'MASC (best layer), published', \
     '' skip 1 using 1:($13*100) with points pt 6 ps 1.6 lw 2 lc 3 title 'linear probe (best layer), published', \
     '' skip 1 using 1:($14*100) with points pt 6 ps 1.6 lw 2 lc 4 title 'edited model, published'
set terminal svg size 1200,520 dynamic font 'sans,10'
set output 'levels_mnist_mlp.svg'
plot 'levels_mnist_mlp.csv' skip 1 using 1:($2*100):(column(3) == column(3) ? column(3)*100 : 0) with yerrorlines lw 2 lc 1 title 'model', \
     '' skip 1 using 1:($4*100):(column(5) == column(5) ? column(5)*100 : 0) with yerrorlines lw 2 lc 2 title 'MASC (best layer)', \
     '' skip 1 using 1:($6*100):(column(7) == column(7) ? column(7)*100 : 0) with yerrorlines lw 2 lc 3 title 'linear probe (best layer)', \
     '' skip 1 using 1:($8*100):(column(9) == column(9) ? column(9)*100 : 0) with yerrorlines lw 2 lc 4 title 'edited model', \
     '' skip 1 using 1:($11*100) with points pt 6 ps 1.6 lw 2 lc 1 title 'model, published', \
     '' skip 1 using 1:($12*100) with points pt 6 ps 1.6 lw 2 lc 2 title 'MASC (best layer), published', \
     '' skip 1 using 1:($13*100) with points pt 6 ps 1.6 lw 2 lc 3 title 'linear probe (best layer), published', \
     '' skip 1 using 1:($14*100) with points pt 6 ps 1.6 lw 2 lc 4 title 'edited model, published'
set output
